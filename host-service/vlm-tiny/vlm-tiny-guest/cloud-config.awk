# Reads the little of NoCloud YAML that vlm-tiny needs, without a YAML library.
#   awk -v want=scalar -v key=local-hostname -f cloud-config.awk meta-data
#       prints the value of a top-level "key: value" line (quotes removed).
#   awk -v want=keys -f cloud-config.awk user-data
#       prints every item of every "ssh_authorized_keys:" list, in block form
#       ("- item" lines) or flow form ([a, "b"]), at any depth (also under users:).
function unquote(text) {
  sub(/^[ \t]+/, "", text)
  sub(/[ \t]+$/, "", text)
  if (text ~ /^".*"$/) {
    text = substr(text, 2, length(text) - 2)
    gsub(/\\"/, "\"", text)
    gsub(/\\\\/, "\\", text)
  } else if (text ~ /^'.*'$/) {
    text = substr(text, 2, length(text) - 2)
    gsub(/''/, "'", text)
  } else {
    # A plain scalar ends at " #" (a comment).
    sub(/[ \t]+#.*$/, "", text)
  }
  return text
}
function indent_of(text) {
  match(text, /^ */)
  return RLENGTH
}
function print_flow_list(text,    count, items, i) {
  sub(/^[ \t]*\[/, "", text)
  sub(/\][ \t]*$/, "", text)
  count = split(text, items, ",")
  for (i = 1; i <= count; i++) if (unquote(items[i]) != "") print unquote(items[i])
}
{ sub(/\r$/, "") }
want == "scalar" && index($0, key ":") == 1 {
  print unquote(substr($0, length(key) + 2))
  exit
}
want == "keys" {
  if (in_list) {
    if ($0 ~ /^[ \t]*(#.*)?$/) next
    depth = indent_of($0)
    if (depth >= list_indent && $0 ~ /^ *- /) {
      item = $0
      sub(/^ *- /, "", item)
      print unquote(item)
      next
    }
    if (depth > list_indent) next
    in_list = 0
  }
  if (match($0, /^ *(- +)?ssh_authorized_keys[ \t]*:/)) {
    rest = substr($0, RLENGTH + 1)
    # The list may sit at the key's own indent; for "- ssh_authorized_keys:" that is after the dash.
    list_indent = indent_of($0)
    if ($0 ~ /^ *- +ssh_authorized_keys/) { match($0, /^ *- +/); list_indent = RLENGTH }
    if (rest ~ /^[ \t]*\[/) print_flow_list(rest)
    else in_list = 1
  }
}
