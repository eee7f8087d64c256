#!/bin/sh
# Runs inside new user, mount, network and PID namespaces made by `unshare`, as
# the namespace's root: make every mount read-only except the scratch folder,
# then drop into a nested user namespace, where the read-only flags are locked
# (a mount inherited from a more privileged namespace cannot be remounted
# writable) and no capability over them is left, and run the worker.
#
# usage: _sandbox.sh SCRATCH COMMAND [ARG ...]
set -eu
scratch="$1"
shift
mount --make-rprivate /
mount --bind "$scratch" "$scratch"
awk '{ print $5 }' /proc/self/mountinfo | while read -r point; do
    [ "$point" = "$scratch" ] && continue
    # /proc of the new PID namespace may refuse; nothing of the host is reachable through it.
    mount -o remount,bind,ro "$point" 2>/dev/null || true
done
exec unshare --user -- "$@"
