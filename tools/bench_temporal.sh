#!/usr/bin/env bash
# make bench (last line of tools/bench.sh): what temporal smoothing costs at 640x360.
#   stylizer_ms   the stylize stage per frame with --smoothing 0 (FrameStylizer: pixels in,
#                 network, pixels out), median over a picture panning 3 px a frame;
#   smoothing_ms  the smoother alone (flows, checks, warp, blend) on the same frames;
#   added         smoothing_ms / stylizer_ms (target: at most 0.15);
#   e2e_fps_off / e2e_fps_on  the whole CLI on the 10 s testsrc2 clip of tools/bench.sh, with
#                 --smoothing 0 and with the default (target: on within 15% of off).
# Needs a release build; BIN_DIR (the build folder, default .build/release) and MODEL override.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${BIN_DIR:-.build/release}
model=${MODEL:-Sources/VidStyleKit/Resources/vidstyle-default.safetensors}
out=bench-out
mkdir -p "$out"
export OMP_WAIT_POLICY=passive

line=$("$bin/TemporalBench" --width 640 --height 360 --frames 40 --model "$model")
off=$(echo "$line" | sed -n 's/.*stylizer_off_ms=\([0-9.]*\).*/\1/p')
on=$(echo "$line" | sed -n 's/.*stylizer_on_ms=\([0-9.]*\).*/\1/p')
smoothing=$(echo "$line" | sed -n 's/.*smoothing_ms=\([0-9.]*\).*/\1/p')

clip="$out/clip-640x360-10s.mp4"
[ -f "$clip" ] || ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=640x360:rate=25:duration=10" \
  -f lavfi -i "sine=frequency=440:duration=10" -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -shortest "$clip"
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$clip")
# Best of two runs each, alternating, so a busy moment of the machine hits both alike.
e2e() {  # e2e SMOOTHING|default -> seconds
  python3 - "$bin/vidstyle" "$clip" "$out/styled-temporal.mp4" "$model" "$1" <<'PY'
import subprocess, sys, time
binary, clip, dest, model, smoothing = sys.argv[1:6]
t = time.perf_counter()
extra = [] if smoothing == "default" else ["--smoothing", smoothing]
subprocess.run([binary, clip, dest, "--model", model, *extra, "--overwrite", "--quiet"], check=True)
print(f"{time.perf_counter() - t:.3f}")
PY
}
s_off=999999; s_on=999999
for _ in 1 2; do
  s=$(e2e 0); s_off=$(python3 -c "print(min($s_off, $s))")
  s=$(e2e default); s_on=$(python3 -c "print(min($s_on, $s))")
done
python3 - "$off" "$on" "$smoothing" "$frames" "$s_off" "$s_on" <<'PY'
import sys
off, on, smoothing, frames, s_off, s_on = (float(v) for v in sys.argv[1:])
print(f"bench: temporal 640x360 stylizer_ms={off:.1f} smoothing_ms={smoothing:.2f} added={smoothing / off:.3f} "
      f"stylizer_on_ms={on:.1f} e2e_fps_off={frames / s_off:.2f} e2e_fps_on={frames / s_on:.2f} "
      f"e2e_ratio={s_off / s_on:.3f}")
PY
