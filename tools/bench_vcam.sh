#!/usr/bin/env bash
# make bench, virtual camera part (run by tools/bench_live.sh): a 640x480 30 fps lavfi source
# read in real time, painted with the default model and fed to a virtual camera, alone
# (`vidstyle SRC /dev/video10`) and while recording a file at once (`--to-camera`), in
# alternating pairs so both see the same machine. The camera is the fake loopback of
# VIDSTYLE_FAKE_V4L2 (this kernel has no v4l2loopback), which logs every frame it takes with its
# monotonic time. Per run: the painted rate, the frames the camera got per second (overall, in
# its first second, the fewest in any whole second from its first frame: a frame woken just past
# a second's end counts in the next, so one second may show rate-1 and the next rate+1), the
# longest gap between two camera frames, repeats, and the capture-to-camera latency; then the
# painted rate with the file against the camera alone.
#   tools/bench_vcam.sh            (needs a release build: make release)
# VCAM_SECONDS (default 15), VCAM_PAIRS (2), LIVE_SIZE (640x480) override.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-.build/release/vidstyle}
out=$(pwd)/bench-out
mkdir -p "$out"
export OMP_WAIT_POLICY=passive
size=${LIVE_SIZE:-640x480}
seconds=${VCAM_SECONDS:-15}
pairs=${VCAM_PAIRS:-2}

# The fake loopback's recording goes to memory where there is /dev/shm: a real loopback's write()
# is a copy into kernel buffers, not 18 MB/s of disk writeback that can hold up the writer.
rec=$out
[ -d /dev/shm ] && [ -w /dev/shm ] && rec=$(mktemp -d /dev/shm/vidstyle-vcam.XXXXXX)
trap '[ "$rec" = "$out" ] || rm -rf "$rec"' EXIT
cat > "$out/vcam.json" <<JSON
[{"path": "/dev/video10", "name": "vidstyle", "output": true, "recordTo": "$rec/vcam.yuv",
  "formats": [{"fourcc": "YUYV", "sizes": []}, {"fourcc": "YU12", "sizes": []}]}]
JSON
export VIDSTYLE_FAKE_V4L2="$out/vcam.json"

run() {  # run MODE: prints one bench line for a camera-only or camera+file run
  local mode=$1 log
  if [ "$mode" = camera ]; then
    log=$("$bin" "lavfi:testsrc2=size=$size:rate=30" /dev/video10 --duration "$seconds" 2>&1)
  else
    log=$("$bin" "lavfi:testsrc2=size=$size:rate=30" "$out/vcam.mp4" --to-camera /dev/video10 --duration "$seconds" --overwrite 2>&1)
  fi
  rm -f "$rec/vcam.yuv"
  python3 - "$mode" "$size" "$seconds" "$rec/vcam.yuv.jsonl" "$log" <<'PY'
import json, re, sys
mode, size, seconds, sidecar, log = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
cam = re.search(r"virtual camera \S+ \(.*?\): (\d+) frames .*?\((\d+) painted, (\d+) repeated, (\d+) blank.*?median (\d+) ms, p95 (\d+) ms", log)
if not cam:
    sys.exit("bench: vcam: no camera summary in:\n" + log)
delivered, painted, repeated, blank, p50, p95 = map(int, cam.groups())
times = [json.loads(line)["monotonicNanoseconds"] for line in open(sidecar)]
t = [(x - times[0]) / 1e9 for x in times]
whole = int(t[-1])
per_second = [sum(1 for x in t if s <= x < s + 1) for s in range(whole)]
gap = max((b - a for a, b in zip(t, t[1:])), default=0) * 1000
print(f"bench: vcam {size} {mode} painted_fps={painted / seconds:.2f} camera_fps={(len(t) - 1) / t[-1]:.2f} "
      f"camera_first_second={per_second[0] if per_second else 0} camera_lowest_second={min(per_second) if per_second else 0} "
      f"camera_longest_gap_ms={gap:.0f} "
      f"painted={painted} repeated={repeated} blank={blank} latency_p50_ms={p50} latency_p95_ms={p95}")
PY
}

lines=()
for _ in $(seq "$pairs"); do
  lines+=("$(run camera)")
  lines+=("$(run camera+file)")
done
printf '%s\n' "${lines[@]}"
printf '%s\n' "${lines[@]}" | python3 -c '
import re, sys
rates = {"camera": [], "camera+file": []}
for line in sys.stdin:
    m = re.search(r"vcam (\S+) (\S+) painted_fps=([\d.]+)", line)
    if m: size = m.group(1); rates[m.group(2)].append(float(m.group(3)))
alone, tee = sum(rates["camera"]) / len(rates["camera"]), sum(rates["camera+file"]) / len(rates["camera+file"])
print(f"bench: vcam {size} painted_fps_camera={alone:.2f} painted_fps_camera_and_file={tee:.2f} file_cost_ratio={tee / alone:.3f}")
'
rm -f "$rec/vcam.yuv" "$rec/vcam.yuv.jsonl"
