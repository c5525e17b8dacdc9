/* Tries the three io_uring system calls and prints, for each, "ok" or the errno's name: run in
 * a container to see whether its seccomp profile lets io_uring through (io_uring operations
 * bypass seccomp once a ring exists). Static, so any rootfs can hold it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char* result(long r) {
    if (r >= 0) return "ok";
    switch (errno) {
        case EPERM: return "EPERM";
        case ENOSYS: return "ENOSYS";
        case EBADF: return "EBADF";
        case EFAULT: return "EFAULT";
        case EINVAL: return "EINVAL";
        default: return strerror(errno);
    }
}

int main(void) {
    unsigned char params[120];
    memset(params, 0, sizeof params);
    long fd = syscall(__NR_io_uring_setup, 1, params);
    printf("io_uring_setup %s\n", result(fd));
    /* An fd that is no ring: EBADF when the call is allowed. */
    printf("io_uring_enter %s\n", result(syscall(__NR_io_uring_enter, 1000, 0, 0, 0, NULL, 0)));
    printf("io_uring_register %s\n", result(syscall(__NR_io_uring_register, 1000, 0, NULL, 0)));
    return 0;
}
