#!/usr/bin/env bash
# make bench, live part: records a 640x480 30 fps lavfi source in real time (`--live`) with the
# default model and temporal smoothing on, and reports the stylized output rate, the frames
# dropped and the capture-to-encode latency; then a long live run (LIVE_SOAK_SECONDS, default
# 300) samples the process's resident memory to show it stays flat. Between the two,
# tools/bench_vcam.sh feeds a (fake) virtual camera, alone and while recording.
#   tools/bench_live.sh            (needs a release build: make release)
# LIVE_SECONDS (default 20), LIVE_SIZE (640x480), LIVE_SOAK_SECONDS (300; 0 skips), VCAM_SECONDS
# (15; 0 skips) override.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-.build/release/vidstyle}
out=bench-out
mkdir -p "$out"
export OMP_WAIT_POLICY=passive
size=${LIVE_SIZE:-640x480}
seconds=${LIVE_SECONDS:-20}
soak=${LIVE_SOAK_SECONDS:-300}

log=$("$bin" "lavfi:testsrc2=size=$size:rate=30" "$out/live.mp4" --live --duration "$seconds" --overwrite 2>&1)
recorded=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$out/live.mp4")
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$out/live.mp4")
python3 - "$size" "$recorded" "$frames" "$log" <<'PY'
import re, sys
size, recorded, frames, log = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
live = re.search(r"captured (\d+), stylized (\d+), dropped (\d+) .*latency median (\d+) ms, p95 (\d+) ms", log)
if not live:
    sys.exit("bench: live: no summary line in:\n" + log)
captured, stylized, dropped, p50, p95 = map(int, live.groups())
print(f"bench: live {size} recorded_s={recorded:.2f} captured={captured} stylized={stylized} file_frames={frames}")
print(f"bench: live {size} out_fps={stylized / recorded:.2f} dropped={dropped} latency_p50_ms={p50} latency_p95_ms={p95}")
PY

# A virtual camera fed live, alone and while recording a file (tools/bench_vcam.sh).
[ "${VCAM_SECONDS:-15}" -gt 0 ] && BIN="$bin" tools/bench_vcam.sh

if [ "$soak" -gt 0 ]; then
  "$bin" "lavfi:testsrc2=size=$size:rate=30" "$out/live-soak.mp4" --live --duration "$soak" --overwrite --quiet &
  pid=$!
  samples="$out/live-soak-rss.txt"
  : > "$samples"
  start=$(date +%s)
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "$(( $(date +%s) - start )) $rss" >> "$samples"
    sleep 1
  done
  wait "$pid"
  python3 - "$size" "$samples" "$soak" <<'PY'
import sys
size, path, soak = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [tuple(map(int, line.split())) for line in open(path) if line.strip()]
def peak_until(t): return max(kb for s, kb in rows if s <= t) / 1024
one = peak_until(min(60, soak)); end = peak_until(soak + 5)
print(f"bench: live-memory {size} seconds={soak} peak_rss_1min_mb={one:.0f} peak_rss_end_mb={end:.0f} growth={end / one:.3f}")
PY
fi
