# Reads the subset of a NoCloud network-config (netplan version 2) that lab NICs need:
#   ethernets:
#     eth1: { addresses: [10.0.0.5/24], gateway4: 10.0.0.1 }   (block or flow style)
#     mgmt: { match: { macaddress: "52:54:00:12:34:56" }, dhcp4: true }
# and prints one line per interface: "NAME-OR-MAC SETTING", where SETTING is
# ADDRESS/PREFIX[,GATEWAY] (the first address only), dhcp, or none (link up, no address).
function clean(text) {
  sub(/^[ \t]+/, "", text); sub(/[ \t]+#.*$/, "", text); sub(/[ \t]+$/, "", text)
  gsub(/["']/, "", text)
  return text
}
function indent_of(text) { match(text, /^ */); return RLENGTH }
function emit() {
  if (id == "") return
  target = mac != "" ? mac : id
  if (address != "") print target, address (gateway != "" ? "," gateway : "")
  else if (dhcp) print target, "dhcp"
  else print target, "none"
  id = ""; mac = ""; address = ""; gateway = ""; dhcp = 0; in_addresses = 0
}
# Flow style "{ key: value, key: [a, b] }": flattened into "key: value" pieces.
function read_pairs(text,    count, parts, i, pair) {
  gsub(/[{}]/, ",", text)
  gsub(/\[/, "", text); gsub(/\]/, "", text)
  count = split(text, parts, ",")
  for (i = 1; i <= count; i++) {
    pair = parts[i]
    if (pair ~ /:/ && pair !~ /^[ \t]*[0-9a-fA-F][0-9a-fA-F]:/) read_property(pair)
    else if (clean(pair) ~ /^[0-9.]+\/[0-9]+$/ && address == "") address = clean(pair)
  }
}
function read_property(text,    name, value) {
  name = text; sub(/:.*/, "", name); name = clean(name)
  value = text; sub(/^[^:]*:/, "", value); value = clean(value)
  if (name == "macaddress") mac = tolower(value)
  else if (name == "dhcp4") dhcp = (value == "true" || value == "yes")
  else if (name == "gateway4") gateway = value
  else if (name == "addresses") {
    in_addresses = (value == "")
    if (value != "") { gsub(/\[/, "", value); gsub(/\]/, "", value); split(value, list, ","); if (address == "") address = clean(list[1]) }
  }
}
{ sub(/\r$/, "") }
/^[ \t]*(#.*)?$/ { next }
{ depth = indent_of($0) }
in_ethernets && depth <= ethernets_indent { emit(); in_ethernets = 0 }
!in_ethernets && /^ *ethernets[ \t]*:[ \t]*$/ { in_ethernets = 1; ethernets_indent = depth; id_indent = -1; next }
!in_ethernets { next }
id_indent < 0 || depth <= id_indent {
  emit()
  id_indent = depth
  id = $0; sub(/:.*/, "", id); id = clean(id)
  rest = $0; sub(/^[^:]*:/, "", rest)
  if (rest ~ /\{/) read_pairs(rest)
  next
}
in_addresses && /^ *- / { item = $0; sub(/^ *- /, "", item); if (address == "") address = clean(item); next }
{
  in_addresses = 0
  line = $0
  if (line ~ /:[ \t]*\{/) { read_pairs(line); next }
  read_property(line)
}
END { emit() }
