# The unshare backend's jail: builds the root file system that backprop_oracle/jail.py
# describes, enters it with pivot_root, and runs the worker as a child of this shell.
#
# Run by `unshare` (after `nsenter` into a prepared user namespace when the grader is
# root) in new mount, PID, network, IPC, UTS and cgroup namespaces, as root of the
# jail's user namespace, with:
#   fd 3, 4    the worker's request and reply pipes, passed on to the worker
#   fd 5       the mount table: one step a line, tab-separated
#              OP DEST SOURCE SIZE INODES MODE  (a `file` step's SOURCE is a descriptor,
#              "-" stands for no SOURCE)
#   fd 6, 7    the files the table copies into the jail
# The table comes on a pipe, never through a file of the host, and none of the host's
# paths is on this shell's command line.
#
# usage: sh -c "$(cat _sandbox.sh)" jail DROP HOSTNAME UID GID COMMAND [ARG ...]
#   DROP setpriv: the user namespace maps UID to the same host user: switch to it.
#   DROP userns:  it maps only root, to the grader: give up every capability, then
#                 run the worker in a nested user namespace as UID.
set -eu
drop=$1 name=$2 uid=$3 gid=$4
shift 4
jail_path=$PATH
PATH=/usr/sbin:/usr/bin:/sbin:/bin
tab=$(printf '\t')
root=/tmp

# Nothing done here propagates back to the host's mount namespace.
mount --make-rprivate /
# The host's /tmp stays reachable through fd 9 after the jail's root covers it,
# for a runtime installed under /tmp.
exec 9</tmp
mount -t tmpfs -o mode=0755,size=1m,nr_inodes=4096,nosuid,nodev jail "$root"

# -c: paths are taken as given (never resolved again on the host's tree).
while IFS=$tab read -r op dest source size inodes mode; do
    target=$root$dest
    case $source in
    /tmp) source=/proc/self/fd/9 ;;
    /tmp/*) source=/proc/self/fd/9/${source#/tmp/} ;;
    esac
    case $op in
    bind)
        if [ -d "$source" ]; then
            mkdir -p "$target"
        else
            mkdir -p "${target%/*}"
            : >"$target"
        fi
        mount -c --bind "$source" "$target"
        # Read-only, and no set-user-ID program or device node works through it.
        mount -c -o remount,bind,ro,nosuid,nodev "$target"
        ;;
    dev)
        : >"$target"
        mount -c --bind "$source" "$target"
        mount -c -o remount,bind,nosuid,noexec "$target"
        ;;
    tmpfs)
        mkdir -p "$target"
        mount -t tmpfs -o "size=$size,nr_inodes=$inodes,mode=$mode,nosuid,nodev" jail "$target"
        ;;
    mask)
        mount -t tmpfs -o "ro,size=$size,nr_inodes=2,mode=$mode,nosuid,nodev,noexec" mask "$target"
        ;;
    symlink)
        ln -s "$source" "$target"
        ;;
    dir)
        mkdir -p "$target"
        chmod "$mode" "$target"
        ;;
    file)
        cat <&"$source" >"$target"
        chmod "$mode" "$target"
        ;;
    proc)
        mkdir -p "$target"
        ;;
    remount-ro)
        mount -c -o remount,bind,ro "$target"
        ;;
    *)
        echo "backprop-oracle jail: unknown step $op" >&2
        exit 1
        ;;
    esac
done <&5
# No descriptor onto the host's files reaches the jail.
exec 5<&- 6<&- 7<&- 8<&- 9<&-

# Enter the new root and detach the old one: unlike chroot, nothing of the host's
# tree is left to climb back to.
cd "$root"
mkdir .old
pivot_root . .old
cd /
# The jail's own processes only; hidepid: the worker cannot see this shell.
# (Mounted before the old root goes: umount reads /proc/self/mountinfo.)
mount -t proc -o nosuid,nodev,noexec,hidepid=invisible proc /proc
umount -l /.old
rmdir /.old
echo "$name" >/proc/sys/kernel/hostname
mount -o remount,bind,ro /
cd /scratch
PATH=$jail_path

# The worker runs as a child of this process (PID 1), never as PID 1 itself: when
# it ends, PID 1 ends and the kernel kills every process left in the jail.
case $drop in
setpriv)
    # The worker becomes the host's UID: it cannot reach this shell (another user).
    setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all \
        --bounding-set=-all --no-new-privs -- "$@" &
    exec 3<&- 4>&-
    wait $!
    ;;
userns)
    # One more user namespace may be made in this one (the worker's), none inside it.
    echo 1 >/proc/sys/user/max_user_namespaces
    # --keep-caps: setpriv can still empty the bounding set before it lets go.
    unshare --user --map-user="$uid" --map-group="$gid" --keep-caps -- \
        setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all --no-new-privs -- "$@" &
    worker=$!
    exec 3<&- 4>&-
    # The worker is the same host user as this shell, so it could trace it: PID 1
    # gives up every capability and only reaps, ending with the worker's status.
    exec setpriv --inh-caps=-all --bounding-set=-all --no-new-privs -- "$1" -I -S -c '
import os, signal, sys
worker = int(sys.argv[1])
while True:
    try:
        pid, status = os.wait()
    except ChildProcessError:
        sys.exit(0)
    if pid == worker:
        code = os.waitstatus_to_exitcode(status)
        sys.exit(128 - code if code < 0 else code)
' "$worker"
    ;;
esac
