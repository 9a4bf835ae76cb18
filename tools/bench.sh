#!/usr/bin/env bash
# make bench: stylizer-only speed of vidstyle's engine against PyTorch (eager, CPU), ONNX Runtime
# fp32 and ONNX Runtime int8 (its own static quantization, calibrated on the same training images
# as tools/calibrate.py; see tools/bench_reference.py) on the same weights, end-to-end fps of the
# whole pipeline, and peak memory. precision= is the precision vidstyle's engine ran in.
# Needs a release build (make release) and makes tools/.venv with PyTorch on first use; the int8
# line needs the calibration images (tools/fetch_data.sh data), else ort_int8_ms prints nan.
# MODEL, THREADS and BENCH_SIZES ("640x360 1280x720 1920x1080" by default) override the
# defaults; the memory check at 1280x720 always runs.
# The conv_peak line is the ceiling: one large convolution alone in oneDNN (tools/conv_peak.c),
# in the precision vidstyle ran; each size's convolutions line sets the network's own
# convolutions against it (tools/conv_share.py over oneDNN's verbose log).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=.build/release/vidstyle
model=${MODEL:-Sources/VidStyleKit/Resources/vidstyle-default.safetensors}
threads=${THREADS:-2}
out=bench-out
venv=tools/.venv
mkdir -p "$out"
export OMP_WAIT_POLICY=passive

if [ ! -x "$venv/bin/python" ]; then
  echo "bench: making $venv (PyTorch CPU, ONNX Runtime, OpenCV for tools/temporal_eval.py)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q torch==2.13.0 onnx==1.23.2 onnxruntime==1.32.0 safetensors numpy pillow \
    opencv-python-headless==5.0.0.93
fi

clip() {  # clip NAME SIZE SECONDS FPS
  local path="$out/$1.mp4"
  [ -f "$path" ] || ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=$2:rate=$4:duration=$3" \
    -f lavfi -i "sine=frequency=440:duration=$3" -c:v libx264 -preset veryfast -pix_fmt yuv420p \
    -c:a aac -shortest "$path"
  echo "$path"
}

# Runs vidstyle on a clip; prints "<frames> <seconds> <peak_rss_mb>".
e2e() {
  python3 - "$bin" "$1" "$out/styled.mp4" "$model" <<'PY'
import resource, subprocess, sys, time
binary, clip, dest, model = sys.argv[1:5]
t = time.perf_counter()
subprocess.run([binary, clip, dest, "--model", model, "--overwrite", "--quiet"], check=True)
seconds = time.perf_counter() - t
frames = int(subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                             "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", dest],
                            check=True, capture_output=True, text=True).stdout.strip())
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(frames, f"{seconds:.3f}", f"{rss_mb:.0f}")
PY
}

# The machine's ceiling for one large convolution, in the precision vidstyle's engine picks.
engine_precision=$("$bin" bench --model "$model" --width 64 --height 64 --runs 1 | sed -n 's/.*precision=\([a-z0-9]*\).*/\1/p')
peak_gops=
if cc -O2 -o "$out/conv_peak" tools/conv_peak.c -ldnnl 2>/dev/null; then
  peak=$(OMP_NUM_THREADS=$threads "$out/conv_peak" "$engine_precision")
  echo "bench: $peak"
  peak_gops=$(echo "$peak" | sed -n 's/.*gops=\([0-9.]*\).*/\1/p')
else
  echo "bench: conv_peak not built (needs a C compiler and libdnnl-dev)"
fi

# Per CPU level at 640x360: this machine's own level, and AVX2 (ONEDNN_MAX_CPU_ISA=AVX2, which
# oneDNN and our kernels both honour) when the machine has more, so one machine measures both
# levels this project ships for. Each level's lines:
#   bench: 640x360 level isa=... vidstyle_ms=<default path> kernels=... precision=...
#          int8_onednn_ms=<int8 in oneDNN's kernels alone> default_speedup=<ratio>
#   bench: 640x360 residual_convs isa=... ours=<kernel> ours_ms=<six convs> onednn_fp32=<kernel>
#          onednn_fp32_ms=... speedup_fp32=... onednn_int8=<kernel> onednn_int8_ms=... speedup_int8=...
levels=native
native_isa=$("$bin" bench --model "$model" --width 64 --height 64 --runs 1 | sed -n 's/.*isa=\([a-z0-9_]*\).*/\1/p')
case $native_isa in avx512*) levels="native AVX2" ;; esac
for level in $levels; do
  cap=(); [ "$level" = native ] || cap=(env ONEDNN_MAX_CPU_ISA="$level")
  default=$("${cap[@]}" "$bin" bench --model "$model" --runs 20 --smoothing 0)
  int8=$("${cap[@]}" "$bin" bench --model "$model" --runs 20 --smoothing 0 --precision int8 --kernels onednn)
  for variant in "winograd fp32" "onednn fp32" "onednn int8"; do
    set -- $variant
    "${cap[@]}" "$bin" bench --model "$model" --runs 10 --smoothing 0 --kernels "$1" --precision "$2" --steps \
      > "$out/steps-$level-$1-$2.log"
  done
  python3 - "$default" "$int8" "$out/steps-$level-winograd-fp32.log" "$out/steps-$level-onednn-fp32.log" \
    "$out/steps-$level-onednn-int8.log" <<'PY'
import re, sys
default, int8, *logs = sys.argv[1:]
def field(line, name):
    return re.search(name + r"=(\S+)", line).group(1)
ms = float(field(default, "median_ms")); int8_ms = float(field(int8, "median_ms"))
print(f"bench: 640x360 level isa={field(default, 'isa')} vidstyle_ms={ms:.1f} kernels={field(default, 'kernels')} "
      f"precision={field(default, 'precision')} int8_onednn_ms={int8_ms:.1f} default_speedup={int8_ms / ms:.2f}")
def residual(path):
    total, kernels = 0.0, set()
    for line in open(path):
        m = re.match(r"step:\s+([0-9.]+) ms  conv (res\d_[ab])( int8)? \((.*)\)$", line.strip())
        if m:
            total += float(m.group(1)); kernels.add(m.group(4))
    return total, ",".join(sorted(kernels))
(ours, ours_k), (fp32, fp32_k), (i8, i8_k) = (residual(p) for p in logs)
print(f"bench: 640x360 residual_convs isa={field(default, 'isa')} ours={ours_k} ours_ms={ours:.2f} "
      f"onednn_fp32={fp32_k} onednn_fp32_ms={fp32:.2f} speedup_fp32={fp32 / ours:.2f} "
      f"onednn_int8={i8_k} onednn_int8_ms={i8:.2f} speedup_int8={i8 / ours:.2f}")
PY
done

# Our Winograd kernel alone against oneDNN's direct fp32 kernels on the residual blocks' shape
# (64 -> 64, 3x3) at the planes of 640x360, 1280x720 and 1920x1080 frames, runs interleaved
# (tools/winograd_check.c); "best layout" is the faster of oneDNN's own choice and NHWC.
if cc -O3 -fno-math-errno -I Sources/CKernels/include -o "$out/winograd_check" tools/winograd_check.c \
    Sources/CKernels/WinogradKernels.c -ldnnl -l:libgomp.so.1 -lm 2>/dev/null; then
  OMP_NUM_THREADS=$threads "$out/winograd_check" bench 20 > "$out/winograd.log"
  python3 - "$out/winograd.log" <<'PY'
import re, sys
shape = None
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\d+x\d+) 64->64", line)
    if m:
        shape = m.group(1); rows[shape] = {}
        continue
    m = re.match(r"\s+(winograd F\(4x4,3x3\)|oneDNN \w+\s+\S+)\s+best\s+([0-9.]+) ms\s+median\s+([0-9.]+) ms", line)
    if m and shape:
        rows[shape][m.group(1).split()[0] + ("" if m.group(1).startswith("winograd") else " " + m.group(1).split()[1] + " " + m.group(1).split()[2])] = float(m.group(3))
for shape, r in rows.items():
    ours = r.pop("winograd")
    name, best = min(r.items(), key=lambda kv: kv[1])
    print(f"bench: winograd {shape} 64->64 ours_ms={ours:.2f} onednn_best={name.split()[2]}({name.split()[1]}) "
          f"onednn_ms={best:.2f} speedup={best / ours:.2f}")
PY
fi

for size in ${BENCH_SIZES:-640x360 1280x720 1920x1080}; do
  w=${size%x*}; h=${size#*x}
  # --smoothing 0: the network and pixel conversion alone, the work the other engines do;
  # smoothing's own cost is tools/bench_temporal.sh's (below), and e2e_fps includes it.
  line=$("$bin" bench --model "$model" --width "$w" --height "$h" --runs 20 --smoothing 0)
  ours=$(echo "$line" | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p')
  precision=$(echo "$line" | sed -n 's/.*precision=\([a-z0-9]*\).*/\1/p')
  isa=$(echo "$line" | sed -n 's/.*isa=\([a-z0-9_]*\).*/\1/p')
  OMP_NUM_THREADS=$threads ONEDNN_VERBOSE=1 "$bin" bench --model "$model" --width "$w" --height "$h" --runs 5 --smoothing 0 \
    > "$out/verbose-$size.log"
  echo "bench: $size convolutions precision=$precision $(python3 tools/conv_share.py "$out/verbose-$size.log" --runs 7 \
    ${peak_gops:+--peak-gops "$peak_gops"})"
  # PyTorch and ONNX Runtime run the network at the same size as vidstyle's engine does (the
  # frame plus the stylizer's mirrored margins), so all of them do the same network work.
  network=$(echo "$line" | sed -n 's/.*network=\([0-9]*x[0-9]*\).*/\1/p')
  ref=$("$venv/bin/python" tools/bench_reference.py "$model" "${network%x*}" "${network#*x}" --runs 10 --threads "$threads" 2>/dev/null | tail -n 1)
  pt=$(echo "$ref" | sed -n 's/.*pytorch_ms=\([0-9.]*\).*/\1/p')
  ort=$(echo "$ref" | sed -n 's/.* ort_ms=\([0-9.]*\).*/\1/p')
  ort8=$(echo "$ref" | sed -n 's/.* ort_int8_ms=\([0-9.a-z]*\).*/\1/p')
  read -r frames seconds rss < <(e2e "$(clip "clip-$size-10s" "$size" 10 25)")
  python3 - "$size" "$ours" "${precision:-fp32}" "$pt" "$ort" "${ort8:-nan}" "$frames" "$seconds" "$rss" "$isa" <<'PY'
import sys
size, ours, precision, pt, ort, ort8, frames, seconds, rss, isa = sys.argv[1:]
ours, pt, ort, ort8 = float(ours), float(pt), float(ort), float(ort8)
frames, seconds = int(frames), float(seconds)
e2e = frames / seconds
print(f"bench: {size} e2e frames={frames} seconds={seconds:.2f} e2e_over_stylizer_fps={e2e / (1000 / ours):.2f}")
print(f"bench: {size} vidstyle_ms={ours:.1f} isa={isa} precision={precision} pytorch_ms={pt:.1f} ort_ms={ort:.1f} "
      f"ort_int8_ms={ort8:.1f} speedup_pytorch={pt / ours:.2f} speedup_ort={ort / ours:.2f} "
      f"speedup_ort_int8={ort8 / ours:.2f} e2e_fps={e2e:.2f} peak_rss_mb={rss}")
PY
done

# Memory must not grow with the length of the video: the same 1280x720 stream, 10 s and 60 s.
read -r f10 s10 rss10 < <(e2e "$(clip clip-1280x720-10s-10fps 1280x720 10 10)")
read -r f60 s60 rss60 < <(e2e "$(clip clip-1280x720-60s-10fps 1280x720 60 10)")
echo "bench: memory 1280x720 frames_10s=$f10 peak_rss_10s_mb=$rss10 frames_60s=$f60 peak_rss_60s_mb=$rss60"

# Live recording: real-time 640x480 source, drops, latency, memory over a long run.
tools/bench_live.sh

# Temporal smoothing: what it adds to the stylize stage at 640x360, e2e fps on vs off.
tools/bench_temporal.sh
