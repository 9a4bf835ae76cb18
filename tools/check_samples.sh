#!/usr/bin/env bash
# Stylizes each sample video fetched by tools/fetch_data.sh and checks that every frame is kept
# and the output decodes without errors.
#
#   tools/check_samples.sh [VIDEOS_DIR (default data/videos)] [extra vidstyle options...]
set -uo pipefail
cd "$(dirname "$0")/.."
videos=${1:-data/videos}
shift || true
bin=.build/release/vidstyle
out=$(mktemp -d)
status=0
count() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1" | tr -cd '0-9'; }
for f in "$videos"/*; do
  name=$(basename "$f")
  start=$(date +%s.%N)
  if ! log=$("$bin" "$f" "$out/$name.mp4" --quiet "$@" 2>&1); then
    echo "samples: $name FAILED: $log"; status=1; continue
  fi
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  in=$(count "$f"); got=$(count "$out/$name.mp4")
  # Errors the input itself decodes with (a damaged last audio frame, say) are copied through
  # bit for bit; only errors beyond those count.
  errors=$(ffmpeg -v error -i "$out/$name.mp4" -f null - 2>&1 | wc -l)
  input_errors=$(ffmpeg -v error -i "$f" -f null - 2>&1 | wc -l)
  size=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height -of csv=p=0 "$f" | tr ',' ' ')
  verdict=ok; { [ "$in" = "$got" ] && [ "$errors" -le "$input_errors" ]; } || { verdict=MISMATCH; status=1; }
  printf 'samples: %-28s %-22s frames in=%-4s out=%-4s decode_errors=%s (input %s) %5.1fs %s\n' "$name" "$size" "$in" "$got" "$errors" "$input_errors" "$seconds" "$verdict"
done
rm -rf "$out"
exit $status
