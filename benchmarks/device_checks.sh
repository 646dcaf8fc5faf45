#!/bin/bash
# One device run: the optional-gpu lecture cells (whole notebooks in the gpu profile), HW07's
# gpu profile (large checkpoint) and the official samples of HW05/HW06/HW08 at their own
# settings (the templates' gpu profiles; HW08 with the sample's model_type 'vae'), all at once.
# HW04's sample was run in full on a CPU (73 min; homework/hw04/INSTRUCTOR.md), so it is not here.
# usage: bash benchmarks/device_checks.sh        (device: installs .whl, runs on CUDA)
#        bash benchmarks/device_checks.sh smoke  (here: ci profile / FAST_DEV_RUN, tests the script)
# The device image lacks papermill's stack: put its wheels (Python 3.12) in .whl/ first, e.g.
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --platform manylinux2014_x86_64 --platform any -d .whl papermill nbclient nbformat \
#     ipykernel ipython ... (the versions of .venv; kornia, ipywidgets and their needs too)
# then run it with carry [".whl"]; it packs $RES into $OUT/results.tgz, which
# benchmarks/score_device_run.py scores. Measured 2026-12-04 on an H200 (two CPU cores visible):
# L03's gpu profile needs more than the 500 s LIMIT; run it alone.
set -u
SMOKE=${1:-}
ROOT=$PWD
RES=${RES:-/tmp/res}; rm -rf "$RES"; mkdir -p "$RES"
LIMIT=${LIMIT:-420}
if [ -z "$SMOKE" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site
  PY=python3
else
  PY=$ROOT/.venv/bin/python
  export COURSE_PROFILE=ci
fi
mkdir -p /tmp/pkgs && ln -sfn "$ROOT/datasets" /tmp/pkgs/course_datasets
export PYTHONPATH=$ROOT:/tmp/pkgs:${PYTHONPATH:-}
export COURSE_DATA=${COURSE_DATA:-/tmp/gpudata} HF_HUB_OFFLINE=1 PYTHONHASHSEED=0 OMP_NUM_THREADS=2 MPLBACKEND=Agg PYTHONUNBUFFERED=1
{ date -u; nvidia-smi -L 2>&1; nproc; $PY -c "import torch, transformers; print(torch.__version__, torch.cuda.is_available(), transformers.__version__)"; } | tee "$RES/summary.txt"

t0=$(date +%s)
for hw in hw03 hw05 hw06 hw07 hw08; do   # generate each mini set once, before the jobs share it
  ( s=$(date +%s); $PY -m course_utils.data generate $hw "$COURSE_DATA/$hw" > "$RES/gen_$hw.log" 2>&1; echo "gen $hw rc=$? $(( $(date +%s)-s ))s" >> "$RES/summary.txt" ) &
done
wait
echo "data ready after $(( $(date +%s)-t0 ))s" | tee -a "$RES/summary.txt"

job() {  # job NAME CMD...: runs in the background with the time limit, logs rc and wall time
  local name=$1; shift
  ( s=$(date +%s); timeout "$LIMIT" "$@" > "$RES/$name.log" 2>&1; echo "$name rc=$? wall=$(( $(date +%s)-s ))s" >> "$RES/summary.txt" ) &
}
pm() {  # pm NAME NOTEBOOK CWD [papermill args]: executes NOTEBOOK into $RES/NAME.ipynb
  local name=$1 nb=$2 cwd=$3; shift 3
  mkdir -p "$cwd"
  job "$name" $PY -m papermill "$nb" "$RES/$name.ipynb" --cwd "$cwd" -k python3 --log-output "$@"
}
FAST=(); [ -n "$SMOKE" ] && FAST=(-p FAST_DEV_RUN True)
for L in L03_cnn L04_self_attention L06_gan L07_bert_gpt; do
  pm "$L" "notebooks/$L.ipynb" "$ROOT/notebooks"
done
for hw in hw05 hw06 hw08; do mkdir -p "$RES/$hw"; done
pm hw05_official homework/hw05/hw05.ipynb "$RES/hw05" -p OUT_DIR "$RES/hw05" -p SEED 73 "${FAST[@]}"
pm hw06_official homework/hw06/hw06.ipynb "$RES/hw06" -p OUT_DIR "$RES/hw06" "${FAST[@]}"
sed "s/model_type = 'fcn'   #/model_type = 'vae'   #/" homework/hw08/hw08.ipynb > /tmp/hw08_vae.ipynb
grep -q "model_type = 'vae'   #" /tmp/hw08_vae.ipynb || echo "hw08: model_type line not found" >> "$RES/summary.txt"
pm hw08_official /tmp/hw08_vae.ipynb "$RES/hw08" -p OUT_DIR "$RES/hw08" "${FAST[@]}"
mkdir -p "$RES/hw07"
pm hw07_gpu homework/hw07/hw07_reference.ipynb "$RES/hw07" -p OUT_DIR "$RES/hw07" "${FAST[@]}"
wait
nvidia-smi --query-gpu=name,memory.used --format=csv >> "$RES/summary.txt" 2>&1
rm -rf "$RES"/hw07/saved_model "$RES"/hw0*/checkpoints "$RES"/hw0*/logs "$RES"/hw0*/output "$RES"/hw0*/*.pt "$RES"/hw0*/*.pth "$RES"/hw0*/*.ckpt
du -sh "$RES"/* >> "$RES/summary.txt"
cat "$RES/summary.txt"
if [ -n "${OUT:-}" ]; then
  tar czf "$OUT/results.tgz" -C "$RES" . && cp "$RES/summary.txt" "$OUT/" && ls -la "$OUT"
fi
