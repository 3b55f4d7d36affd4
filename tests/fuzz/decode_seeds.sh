#!/bin/sh
# decode_seeds.sh DIR: writes the decoder's fuzz seeds into DIR, made here with ImageMagick (no
# binaries are committed): one small image per format, and JPEGs that take the direct libjpeg
# path scaled in the DCT (1/4), turned by EXIF, progressive, and greyscale. `make fuzz` starts
# from them; tests/run.sh replays them through the decoder on every test run.
set -u
dir=$1
mkdir -p "$dir"
for fmt in jpg png gif webp heic tif; do
    convert -size 24x16 plasma:fractal -seed 1 "$dir/seed.$fmt" 2>/dev/null
done
convert -size 1100x700 plasma:fractal -seed 2 -quality 60 -orient RightTop "$dir/dct.jpg" 2>/dev/null
convert -size 600x520 plasma:fractal -seed 3 -quality 50 -interlace Plane "$dir/progressive.jpg" 2>/dev/null
convert -size 640x300 plasma:fractal -seed 4 -colorspace Gray -quality 50 "$dir/grey.jpg" 2>/dev/null
exit 0
