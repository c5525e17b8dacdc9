/* Records which functions a strata process runs, for scripts/link-order/update.sh: built into a
 * -finstrument-functions build only (never into the shipped binary). Each function's address,
 * the first time it is entered, goes as one line of hex (relative to the executable's load
 * address) to $STRATA_TRACE_DIR/trace.<pid>, written at once: the container's init execs, and
 * a buffer would be lost with it. A forked child (the container's init) writes to its parent's
 * file: what is wanted is the union. Not thread-safe beyond what strata's single-threaded
 * paths need. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

extern char __executable_start[];

#define SLOTS (1 << 16)
static uintptr_t seen[SLOTS];
static int out = -1;
static struct stat mine;
static char path[512];

/* strata closes every inherited fd at start (close_range) and the container's init rearranges
 * its fds: before each write the fd must still be the trace file, else it is opened again (not
 * possible after the init's pivot_root: what it runs from there on is not traced). */
__attribute__((no_instrument_function)) static int trace_fd(void) {
    struct stat st;
    if (out >= 0 && fstat(out, &st) == 0 && st.st_ino == mine.st_ino && st.st_dev == mine.st_dev) return out;
    if (!path[0]) {
        const char* dir = getenv("STRATA_TRACE_DIR");
        if (!dir) return -1;
        snprintf(path, sizeof path, "%s/trace.%d", dir, (int)getpid());
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return out = -1;
    /* Far from the numbers the traced code uses (its dup2 targets, its next open). */
    out = fcntl(fd, F_DUPFD_CLOEXEC, 700);
    close(fd);
    if (out >= 0 && fstat(out, &mine) < 0) out = -1;
    return out;
}

__attribute__((no_instrument_function)) static void record(uintptr_t fn) {
    uintptr_t h = (fn >> 4) & (SLOTS - 1);
    while (seen[h] && seen[h] != fn) h = (h + 1) & (SLOTS - 1);
    if (seen[h] == fn) return;
    int fd = trace_fd();
    if (fd < 0) return;
    seen[h] = fn;
    char line[32];
    int n = snprintf(line, sizeof line, "%lx\n", (unsigned long)(fn - (uintptr_t)__executable_start));
    (void)!write(fd, line, (size_t)n);
}

__attribute__((no_instrument_function)) void __cyg_profile_func_enter(void* fn, void* site) {
    (void)site;
    /* errno as the traced code left it: nlohmann's lexer sets it to 0, calls strtoull and reads
     * it back (a number the hook made ERANGE would parse as a float). */
    int saved = errno;
    record((uintptr_t)fn);
    errno = saved;
}

__attribute__((no_instrument_function)) void __cyg_profile_func_exit(void* fn, void* site) {
    (void)fn;
    (void)site;
}
