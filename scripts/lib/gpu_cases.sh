# Helpers shared by scripts/build_variant_kernels.sh and
# scripts/build_npow2_kernels.sh (sourced; the caller sets $target and $out
# and empties $out/cases.txt). Each case line is read by
# scripts/gpu_check_variants.sh.

# spec NAME FILE DEFINES...: compile FILE (all its kernels) once for
# $target; extra fa-compile flags in $SPEC_FLAGS.
declare -A spec_file spec_defines
spec() {
  local name=$1 file=$2
  shift 2
  spec_file[$name]=$file
  spec_defines[$name]="$*"
  # shellcheck disable=SC2086
  ./build/bin/fa-compile "$file" --target "$target" "$@" ${SPEC_FLAGS:-} -o "$out/$name.cubin"
  python3 scripts/sidecar_report.py "$out/$name.json"
}

# run CASE SPEC REFERENCE "GPU FLAGS" FA-RUN FLAGS...: run the spec's kernel
# on the host (the command's -D are the spec's, as the sidecar records; extra
# fa-run flags in $HOST_FLAGS), check it against REFERENCE (a reference
# kernel, or `host` for the kernel's own f64 run, --compare host), save one
# shape's reference values and add the case to cases.txt.
run() {
  local case=$1 name=$2 reference=$3 gpu_flags=$4
  shift 4
  local check=(--reference "$reference")
  [ "$reference" = host ] && check=(--compare host)
  # shellcheck disable=SC2086
  ./build/bin/fa-run "${spec_file[$name]}" --target host ${spec_defines[$name]} ${HOST_FLAGS:-} \
    "$@" "${check[@]}" --save-reference "$out/$case.ref" > "$out/$case.host.log" \
    || { cat "$out/$case.host.log"; echo "$(basename "$0"): the host check of $case failed"; exit 1; }
  echo "$case $name.json $case.ref $gpu_flags" >> "$out/cases.txt"
  echo "$case: host $(tail -1 "$out/$case.host.log"), reference saved ($(du -h "$out/$case.ref" | cut -f1))"
}
