# Sourced by the actions' run.sh: helpers that turn INPUT_* values (never interpolated into code)
# into a binary's flags, collected in the array `args`.
args=()

# flag NAME VALUE: add `NAME VALUE` when VALUE is not empty.
flag() { if [ -n "$2" ]; then args+=("$1" "$2"); fi; }

# switch NAME VALUE: add `NAME` for true; nothing for false or empty; anything else is an error.
switch() {
  case "$2" in
    true) args+=("$1") ;;
    false | "") ;;
    *) echo "::error title=gates input::$1 must be true or false"; exit 2 ;;
  esac
}

# each_line NAME TEXT: add `NAME LINE` for every non-empty line of TEXT.
each_line() { while IFS= read -r line; do flag "$1" "$line"; done <<< "$2"; }
