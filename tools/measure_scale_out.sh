#!/bin/bash
# Splitting cost: whole run vs 4 parts one after another, then the join; PSNR, timestamps and
# audio of the joined video against the whole run; with PYTHON set (a Python with numpy and
# opencv-python), also the warping error at the seams (tools/seam_warp_error.py).
#   VIDSTYLE=.build/release/vidstyle SIZE=1280x720 DURATION=20 RATE=25 GOP=50 \
#     PYTHON=/work/main/tools/.venv/bin/python tools/measure_scale_out.sh
set -e
here=$(cd "$(dirname "$0")" && pwd)
V=${VIDSTYLE:-$here/../.build/debug/vidstyle}
V=$(cd "$(dirname "$V")" && pwd)/$(basename "$V")
SIZE=${SIZE:-1280x720} DURATION=${DURATION:-4} RATE=${RATE:-30} GOP=${GOP:-30} PARTS=4
dir=$(mktemp -d); cd "$dir"
echo "working in $dir ($SIZE, $DURATION s at $RATE fps, keyframe every $GOP; $V)"

ffmpeg -v error -f lavfi -i testsrc2=size=$SIZE:rate=$RATE:duration=$DURATION -f lavfi -i sine=frequency=440:duration=$DURATION \
  -c:v libx264 -g $GOP -pix_fmt yuv420p -c:a aac in.mp4
t0=$(date +%s.%N); $V in.mp4 whole.mp4 --crf 0 -q; t1=$(date +%s.%N)
for k in $(seq 1 $PARTS); do $V in.mp4 p$k.mp4 --part $k/$PARTS --crf 0 -q; done; t2=$(date +%s.%N)
$V join in.mp4 joined.mp4 $(for k in $(seq 1 $PARTS); do echo p$k.mp4; done) -q; t3=$(date +%s.%N)
whole=$(echo "$t1-$t0" | bc); parts=$(echo "$t2-$t1" | bc); join=$(echo "$t3-$t2" | bc)
echo "whole $whole s; parts $parts s ($(echo "scale=3; $parts/$whole" | bc)x); join $join s ($(echo "scale=2; 100*$join/$whole" | bc)% of whole)"
ffmpeg -v error -i joined.mp4 -i whole.mp4 -lavfi "[0:v][1:v]psnr=stats_file=psnr.txt" -f null -
awk '{for(i=1;i<=NF;i++) if($i ~ /^psnr_avg:/){split($i,a,":"); print a[2]}}' psnr.txt | sort -g | head -1 | sed 's/^/worst frame PSNR dB: /'
cmp <(ffprobe -v error -select_streams v -show_entries packet=pts,duration -of csv whole.mp4) <(ffprobe -v error -select_streams v -show_entries packet=pts,duration -of csv joined.mp4) && echo "video timestamps identical"
cmp <(ffmpeg -v error -i whole.mp4 -map 0:a -c copy -f framemd5 -) <(ffmpeg -v error -i joined.mp4 -map 0:a -c copy -f framemd5 -) && echo "audio packets identical"
if [ -n "${PYTHON:-}" ]; then "$PYTHON" "$here/seam_warp_error.py" in.mp4 whole.mp4 joined.mp4 --parts $PARTS; fi
cd / && rm -rf "$dir"
