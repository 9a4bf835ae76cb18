#!/bin/bash
# Splitting cost at 1280x720: whole run vs 4 parts one after another, then the join.
set -e
V=${VIDSTYLE:-$(cd "$(dirname "$0")/.." && pwd)/.build/debug/vidstyle}
dir=$(mktemp -d); cd "$dir"
echo "working in $dir"

ffmpeg -v error -f lavfi -i testsrc2=size=1280x720:rate=30:duration=4 -f lavfi -i sine=frequency=440:duration=4 \
  -c:v libx264 -g 30 -pix_fmt yuv420p -c:a aac in.mp4
t0=$(date +%s.%N); $V in.mp4 whole.mp4 --crf 0 -q; t1=$(date +%s.%N)
for k in 1 2 3 4; do $V in.mp4 p$k.mp4 --part $k/4 --crf 0 -q; done; t2=$(date +%s.%N)
$V join in.mp4 joined.mp4 p1.mp4 p2.mp4 p3.mp4 p4.mp4 -q; t3=$(date +%s.%N)
echo "whole $(echo "$t1-$t0" | bc) s; parts $(echo "$t2-$t1" | bc) s; join $(echo "$t3-$t2" | bc) s"
ffmpeg -v error -i joined.mp4 -i whole.mp4 -lavfi "[0:v][1:v]psnr=stats_file=psnr.txt" -f null -
awk '{for(i=1;i<=NF;i++) if($i ~ /^psnr_avg:/){split($i,a,":"); print a[2]}}' psnr.txt | sort -g | head -1 | sed 's/^/worst frame PSNR dB: /'
sed -n '29,32p;59,62p;89,92p' psnr.txt | awk '{print $1, $6}' | tr '\n' ' '; echo
cmp <(ffprobe -v error -select_streams v -show_entries packet=pts,duration -of csv whole.mp4) <(ffprobe -v error -select_streams v -show_entries packet=pts,duration -of csv joined.mp4) && echo "video timestamps identical"
cmp <(ffmpeg -v error -i whole.mp4 -map 0:a -c copy -f framemd5 -) <(ffmpeg -v error -i joined.mp4 -map 0:a -c copy -f framemd5 -) && echo "audio packets identical"
