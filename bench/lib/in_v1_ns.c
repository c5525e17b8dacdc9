/* in-v1-ns CMD...: runs CMD in a private mount namespace where /sys/fs/cgroup/unified is
 * unmounted, so the host looks like pure cgroup v1. crun 1.8 refuses hybrid hosts; this lets it
 * run here for side-by-side benchmarks at the cost of one unshare and one exec of this binary
 * (bench scripts measure that cost and report it). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        perror("in-v1-ns: private mount namespace");
        return 125;
    }
    umount2("/sys/fs/cgroup/unified", MNT_DETACH);
    execvp(argv[1], argv + 1);
    perror("in-v1-ns: exec");
    return 127;
}
