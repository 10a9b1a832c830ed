#!/bin/bash
# Builds the vlm-tiny test guest from Debian packages into OUTPUT_DIR:
#   vmlinuz            Debian's cloud kernel (linux-image-cloud-amd64)
#   initramfs.cpio.gz  busybox-static, dropbear with its libraries, virtio and seed-disk drivers,
#                      and the boot scripts of ./vlm-tiny-guest
#   disk.qcow2         a blank 1 GiB disk, for engines that give every machine a disk
#   manifest.json      files with sizes and sha256, the kernel command line to boot with
# The guest runs entirely from the initramfs and reads its hostname and SSH keys from a
# cloud-init NoCloud seed (a disk labelled cidata), see src/deploy/nocloud-seed.ts.
#
# Usage: build-vlm-tiny.sh OUTPUT_DIR
# Skips the build when OUTPUT_DIR holds an image made from the same inputs (script, guest
# files, package versions). Builds in a temporary folder beside OUTPUT_DIR and renames it into
# place, so an interrupted build never leaves a half image.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
  echo "usage: $0 OUTPUT_DIR" >&2
  exit 2
fi

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
guest_dir="$script_dir/vlm-tiny-guest"
output_dir=$(realpath -m -- "$1")
# The path goes into a glob and mv: keep it to plain characters.
[[ "$output_dir" =~ ^/[A-Za-z0-9._/+@:-]+$ ]] || { echo "build-vlm-tiny: output path '$output_dir' may hold only letters, digits and . _ / + @ : -" >&2; exit 2; }
kernel_cmdline='console=tty0 console=ttyS0 panic=-1 quiet'
# Drivers the guest loads at boot (dependencies are added from modules.dep): virtio NICs and
# disks, IDE/SCSI CD-ROMs and ISO9660/vfat for the seed, the ACPI power button, a virtio RNG.
wanted_modules=(virtio_net virtio_pci virtio_blk virtio_scsi virtio-rng ata_piix sr_mod sd_mod
  isofs vfat nls_cp437 nls_ascii button evdev)

fail() {
  echo "build-vlm-tiny: $*" >&2
  exit 1
}

# --- Inputs: every tool and file must be there, or say which package provides it. ---
required_packages=(linux-image-cloud-amd64 busybox-static dropbear-bin cpio qemu-utils)
missing=()
for package in "${required_packages[@]}"; do
  if ! dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null | grep -q '^ii'; then
    missing+=("$package")
  fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  fail "missing Debian package(s): ${missing[*]}
Install them as root with:
  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
fi
for tool in cpio gzip sha256sum qemu-img ldd flock; do
  command -v "$tool" >/dev/null || fail "'$tool' is not on PATH"
done

# Newest cloud kernel that has its modules installed.
kernel=
for candidate in $(ls -1 /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V -r); do
  version=${candidate#/boot/vmlinuz-}
  if [[ -d /lib/modules/$version ]]; then
    kernel=$candidate
    kernel_version=$version
    break
  fi
done
[[ -n "$kernel" ]] || fail "no /boot/vmlinuz-*-cloud-amd64 with modules in /lib/modules.
Install it as root with:
  apt-get update && apt-get install -y --no-install-recommends linux-image-cloud-amd64"
[[ -r "$kernel" ]] || fail "$kernel is not readable by $(id -un): run as root or make it readable"
[[ -x /bin/busybox ]] || fail "/bin/busybox is missing (package busybox-static)"
[[ -x /usr/sbin/dropbear ]] || fail "/usr/sbin/dropbear is missing (package dropbear-bin)"
busybox_kind=$(ldd /bin/busybox 2>&1 || true)
[[ "$busybox_kind" == *"not a dynamic executable"* || "$busybox_kind" == *"statically linked"* ]] ||
  fail "/bin/busybox is not static: install busybox-static (apt-get install -y --no-install-recommends busybox-static)"

# --- Up to date? The fingerprint covers what decides the image's content. ---
package_versions=$(dpkg-query -W -f='${Package}=${Version}\n' "${required_packages[@]}" libc6 libtomcrypt1 libtommath1 zlib1g libcrypt1 libgmp10 2>/dev/null | sort)
fingerprint=$( {
  echo "kernel $kernel_version $kernel_cmdline ${wanted_modules[*]}"
  echo "$package_versions"
  sha256sum < "${BASH_SOURCE[0]}"
  (cd "$guest_dir" && find . -type f | LC_ALL=C sort | xargs sha256sum)
} | sha256sum | cut -d' ' -f1)

mkdir -p "$(dirname "$output_dir")"
# One build at a time per output folder; a second caller waits, then finds it up to date.
exec 9>"$output_dir.lock"
flock 9
# Folders left by builds that were killed (the lock says none is running now).
rm -rf "$output_dir".building.*

up_to_date() {
  local manifest="$output_dir/manifest.json" name size
  [[ -f "$manifest" ]] || return 1
  grep -q "\"inputs_sha256\": \"$fingerprint\"" "$manifest" || return 1
  for name in vmlinuz initramfs.cpio.gz disk.qcow2; do
    size=$(grep -o "\"path\": \"$name\", \"size\": [0-9]*" "$manifest" | grep -o '[0-9]*$') || return 1
    [[ -f "$output_dir/$name" && $(stat -c %s "$output_dir/$name") == "$size" ]] || return 1
  done
}
if up_to_date; then
  echo "build-vlm-tiny: $output_dir is up to date"
  exit 0
fi

work=$(mktemp -d "$output_dir.building.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/init.d,etc/vlm,etc/acpi/PWRF,proc,sys,dev,run,tmp,root,var/lib/cloud,var/log,lib/modules}
# busybox daemons (acpid) write their pid files under /var/run.
ln -s ../run "$root/var/run"
chmod 1777 "$root/tmp"
chmod 700 "$root/root"

# busybox and a link for each of its applets.
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list-full); do
  [[ -e "$root/$applet" ]] || ln -s /bin/busybox "$root/$applet"
done

# dropbear, dropbearkey and the shared libraries they load (paths as ldd reports them).
copy_with_libraries() {
  local binary=$1 library
  install -D -m 0755 "$binary" "$root$binary"
  for library in $(ldd "$binary" | grep -o '/[^ ]*'); do
    [[ -e "$root$library" ]] || install -D -m 0755 "$(readlink -f "$library")" "$root$library"
  done
}
copy_with_libraries /usr/sbin/dropbear
copy_with_libraries /usr/bin/dropbearkey

# Kernel modules with their dependencies, listed so that each follows what it needs.
modules_dir=/lib/modules/$kernel_version
declare -A module_path=() listed=()
while IFS= read -r line; do
  file=${line%%:*}
  name=$(basename "$file")
  name=${name%%.ko*}
  module_path[$name]=$file
done < "$modules_dir/modules.dep"
load_order=()
add_module() {
  local name=$1 dependency dependencies
  [[ -n "${listed[$name]:-}" ]] && return 0
  listed[$name]=1
  if [[ -z "${module_path[$name]:-}" ]]; then
    # Built into the kernel: nothing to load.
    grep -q "/$name.ko" "$modules_dir/modules.builtin" && return 0
    fail "kernel module $name is neither in $modules_dir/modules.dep nor built in"
  fi
  dependencies=$(grep "^${module_path[$name]}:" "$modules_dir/modules.dep" | cut -d: -f2)
  for dependency in $dependencies; do
    dependency=$(basename "$dependency")
    add_module "${dependency%%.ko*}"
  done
  load_order+=("${module_path[$name]}")
}
for module in "${wanted_modules[@]}"; do
  add_module "$module"
done
for file in "${load_order[@]}"; do
  case "$file" in
    *.ko) install -D -m 0644 "$modules_dir/$file" "$root/lib/modules/$file" ;;
    *.ko.xz) mkdir -p "$root/lib/modules/$(dirname "$file")"; xz -dc "$modules_dir/$file" > "$root/lib/modules/${file%.xz}" ;;
    *) fail "unexpected module file $file" ;;
  esac
  echo "${file%.xz}"
done > "$root/etc/vlm/modules"

# The guest's own files.
install -m 0755 "$guest_dir/init" "$root/init"
install -m 0644 "$guest_dir/inittab" "$root/etc/inittab"
install -m 0755 "$guest_dir/rcS" "$root/etc/init.d/rcS"
install -m 0755 "$guest_dir/shutdown" "$root/etc/init.d/shutdown"
install -m 0644 "$guest_dir/profile" "$root/etc/profile"
install -m 0644 "$guest_dir/passwd" "$root/etc/passwd"
install -m 0644 "$guest_dir/group" "$root/etc/group"
install -m 0600 "$guest_dir/shadow" "$root/etc/shadow"
install -m 0644 "$guest_dir/shells" "$root/etc/shells"
install -m 0755 "$guest_dir/udhcpc-script" "$root/etc/vlm/udhcpc-script"
install -m 0644 "$guest_dir/cloud-config.awk" "$root/etc/vlm/cloud-config.awk"
install -m 0644 "$guest_dir/network-config.awk" "$root/etc/vlm/network-config.awk"
install -m 0755 "$guest_dir/acpi-power-button" "$root/etc/acpi/PWRF/00000080"
echo vlm-tiny > "$root/etc/hostname"

# A fixed timestamp and sorted, root-owned entries make the same inputs give the same bytes.
# gzip -6: -9 takes four times as long for 0.5% less.
find "$root" -exec touch -h -d @0 {} +
image="$work/image"
mkdir -p "$image"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) |
  gzip -6 -n > "$image/initramfs.cpio.gz"
cp "$kernel" "$image/vmlinuz"
qemu-img create -q -f qcow2 "$image/disk.qcow2" 1G

# --- Manifest: every value is a file name, number, hex digest or fixed text; none needs escaping. ---
file_entry() {
  local role=$1 name=$2 format=$3
  printf '    { "role": "%s", "path": "%s", "size": %s, "sha256": "%s", "format": "%s" }' \
    "$role" "$name" "$(stat -c %s "$image/$name")" "$(sha256sum "$image/$name" | cut -d' ' -f1)" "$format"
}
[[ "$kernel_version" =~ ^[A-Za-z0-9._+-]+$ ]] || fail "unexpected kernel version '$kernel_version'"
{
  echo '{'
  echo '  "name": "vlm-tiny",'
  echo '  "manifest_version": 1,'
  echo "  \"inputs_sha256\": \"$fingerprint\","
  echo "  \"kernel_version\": \"$kernel_version\","
  echo "  \"kernel_cmdline\": \"$kernel_cmdline\","
  echo '  "files": ['
  file_entry kernel vmlinuz linux-kernel; echo ','
  file_entry initramfs initramfs.cpio.gz cpio-newc-gzip; echo ','
  file_entry disk disk.qcow2 qcow2; echo
  echo '  ],'
  echo '  "machine": { "arch": "x86_64", "type": "pc", "min_ram_mb": 96, "console": "ttyS0" },'
  echo '  "ssh": { "user": "root", "port": 22 },'
  echo '  "seed": { "kind": "nocloud", "label": "cidata", "buses": ["ide", "virtio-blk", "virtio-scsi"] },'
  echo '  "recommended_devices": ["virtio-rng-pci"],'
  echo '  "ready_line": "vlm-tiny: ready"'
  echo '}'
} > "$image/manifest.json"

# --- Into place: the new folder replaces the old one in two renames. ---
previous="$work/previous"
if [[ -e "$output_dir" ]]; then
  mv -T "$output_dir" "$previous"
fi
mv -T "$image" "$output_dir"
echo "build-vlm-tiny: built $output_dir (kernel $kernel_version, initramfs $(stat -c %s "$output_dir/initramfs.cpio.gz") bytes)"
