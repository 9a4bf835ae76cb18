#!/usr/bin/env bash
# End to end on a real one-machine Slurm (tools/slurm_local.sh): a tiny clip, the job file
# `vidstyle plan --emit slurm` prints for 3 parts, sbatch --wait on it, then the join; checks
# the joined video has every frame of the input. Usage: tools/test_slurm.sh PATH/TO/vidstyle
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cd "$(dirname "${1:-.build/debug/vidstyle}")" && pwd)/$(basename "${1:-.build/debug/vidstyle}")
model=$(pwd)/Tests/VidStyleKitTests/Fixtures/tiny-model.safetensors
work=$(mktemp -d "${TMPDIR:-/tmp}/vidstyle-test-slurm.XXXXXX")
trap 'rm -rf "$work"' EXIT
ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=64x48:rate=10:duration=3 -f lavfi -i sine=duration=3 \
  -c:v libx264 -g 10 -pix_fmt yuv420p -c:a aac "$work/in.mp4"
"$bin" plan "$work/in.mp4" "$work/out.mp4" --parts 3 --emit slurm --executable "$bin" --model "$model" --quiet > "$work/job.sbatch"
tools/slurm_local.sh run "$work/job.sbatch"
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$work/out.mp4")
audio=$(ffprobe -v error -select_streams a:0 -show_entries stream=codec_name -of csv=p=0 "$work/out.mp4")
[ "$frames" = 30 ] || { echo "test-slurm: joined video has $frames frames, expected 30" >&2; exit 1; }
[ "$audio" = aac ] || { echo "test-slurm: joined video has no AAC audio" >&2; exit 1; }
echo "test-slurm: passed (3 parts on Slurm, joined: 30 frames with audio)"
