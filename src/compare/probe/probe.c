/* strata-probe: the workload `strata compare` runs on every substrate. Static, so any rootfs (or
 * a VM's initramfs) can hold it. Every mode first prints "STRATA-READY" on stdout - the host
 * timestamps the line's arrival as "first instruction" - then:
 *   probe ready            exit at once
 *   probe cpu N            N iterations of a compute loop; prints "cpu_ns=<elapsed>"
 *   probe syscall N        N getppid() calls; prints "syscall_ns=<elapsed>"
 *   probe idle             sleep until stdin closes or a signal arrives
 *   probe io DIR MIB       write then read MIB MiB sequentially in DIR (fsync'd, page cache
 *                          dropped for the file); prints "write_mbps=<x> read_mbps=<y>"
 *   probe facts            prints what confines it: CapEff, Seccomp, NoNewPrivs, kernel release
 * As PID 1 of a VM (the bare-QEMU baseline: rdinit=/probe, arguments after "--" on the kernel
 * command line) it mounts /proc first and ends the machine when done: reboot(2), which the
 * guest's reboot=t turns into a triple fault and QEMU's -no-reboot into an exit (a power-off
 * would hang on a microvm without ACPI).
 *   probe wait             (PID 1 of the bare-QEMU restore baseline) print "STRATA-SAVE-POINT",
 *                          then read one line of arguments from the console and run as above:
 *                          the host saves the VM while it waits, and each restore is sent its
 *                          mode. Echo is off, so the line does not come back as output. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void ready(void) {
    /* One write(2), unbuffered: the marker must leave at once. */
    static const char m[] = "STRATA-READY\n";
    (void)!write(1, m, sizeof m - 1);
}

static int cpu(long long n) {
    /* A dependency chain the compiler cannot fold: an LCG plus a data-dependent branch. */
    volatile unsigned long long sink;
    unsigned long long x = 88172645463325252ULL, acc = 0;
    long long t0 = now_ns();
    for (long long i = 0; i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        acc += (x >> 33) & 1 ? x : x >> 7;
    }
    sink = acc;
    (void)sink;
    printf("cpu_ns=%lld\n", now_ns() - t0);
    return 0;
}

static int syscalls(long long n) {
    long long t0 = now_ns();
    for (long long i = 0; i < n; i++) syscall(SYS_getppid);
    printf("syscall_ns=%lld\n", now_ns() - t0);
    return 0;
}

static int io(const char* dir, long mib) {
    char path[4096];
    snprintf(path, sizeof path, "%s/.strata-probe-io", dir);
    static char buf[1 << 20];
    memset(buf, 0x5a, sizeof buf);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror("probe io: open");
        return 1;
    }
    long long t0 = now_ns();
    for (long i = 0; i < mib; i++)
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) {
            perror("probe io: write");
            return 1;
        }
    fsync(fd);
    long long t1 = now_ns();
    /* Drop this file from the page cache so the read hits the storage, where it can. */
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    fd = open(path, O_RDONLY);
    long long t2 = now_ns();
    while (read(fd, buf, sizeof buf) > 0) {
    }
    long long t3 = now_ns();
    close(fd);
    unlink(path);
    double w = mib / ((t1 - t0) / 1e9), r = mib / ((t3 - t2) / 1e9);
    printf("write_mbps=%.1f read_mbps=%.1f\n", w, r);
    return 0;
}

static void status_field(const char* key) {
    FILE* f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, strlen(key))) {
            char* v = line + strlen(key);
            while (*v == ' ' || *v == '\t') v++;
            v[strcspn(v, "\n")] = 0;
            printf("%s=%s\n", key, v);
        }
    if (f) fclose(f);
}

static int facts(void) {
    struct utsname u;
    uname(&u);
    printf("kernel=%s\n", u.release);
    status_field("CapEff:");
    status_field("Seccomp:");
    status_field("NoNewPrivs:");
    return 0;
}

static int run(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "ready";
    if (!strcmp(mode, "ready")) return 0;
    if (!strcmp(mode, "cpu") && argc > 2) return cpu(atoll(argv[2]));
    if (!strcmp(mode, "syscall") && argc > 2) return syscalls(atoll(argv[2]));
    if (!strcmp(mode, "io") && argc > 3) return io(argv[2], atol(argv[3]));
    if (!strcmp(mode, "facts")) return facts();
    if (!strcmp(mode, "idle")) {
        char c;
        while (read(0, &c, 1) > 0) {
        }
        /* stdin may be /dev/null (EOF at once): then wait for a signal. */
        for (;;) pause();
    }
    fprintf(stderr, "strata-probe: unknown mode %s\n", mode);
    return 2;
}

/* The mode of a restored VM: one line from the console, split at spaces into argv[1..]. */
static int wait_for_args(char** argv, int max) {
    struct termios t;
    if (tcgetattr(0, &t) == 0) {
        t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        tcsetattr(0, TCSANOW, &t);
    }
    static const char m[] = "STRATA-SAVE-POINT\n";
    (void)!write(1, m, sizeof m - 1);
    static char line[512];
    size_t n = 0;
    char c;
    while (n + 1 < sizeof line && read(0, &c, 1) == 1 && c != '\n' && c != '\r') line[n++] = c;
    line[n] = 0;
    int argc = 1;
    for (char* tok = strtok(line, " "); tok && argc < max - 1; tok = strtok(NULL, " ")) argv[argc++] = tok;
    argv[argc] = NULL;
    return argc;
}

int main(int argc, char** argv) {
    int init = getpid() == 1;
    if (init) mount("proc", "/proc", "proc", 0, NULL);
    char* restored[16] = {argv[0]};
    if (init && argc > 1 && !strcmp(argv[1], "wait")) {
        argc = wait_for_args(restored, 16);
        argv = restored;
    }
    ready();
    setvbuf(stdout, NULL, _IOLBF, 0);
    int rc = run(argc, argv);
    if (init) {
        fflush(stdout);
        sync();
        reboot(RB_AUTOBOOT);
    }
    return rc;
}
