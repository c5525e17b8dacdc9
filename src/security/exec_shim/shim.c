/* strata's exec shim: a freestanding static ELF that strata executes from a sealed memfd just
 * before the container's command. It only calls execve(argv[1], &argv[2], envp). While it runs
 * and during that execve, /proc/self/exe is the sealed memfd, never the host's strata binary, so
 * a command such as "#!/proc/self/exe" cannot reach (and overwrite) the runtime (CVE-2019-5736).
 * No libc: the only system calls it makes are execve, and write + exit on failure. */

typedef unsigned long u64;

static long sys3(long n, long a, long b, long c) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

static u64 len(const char* s) {
    u64 n = 0;
    while (s[n]) n++;
    return n;
}

static void say(const char* s) { sys3(1 /* write */, 2, (long)s, (long)len(s)); }

__attribute__((used, noreturn)) void shim_main(long* sp) {
    long argc = sp[0];
    char** argv = (char**)(sp + 1);
    char** envp = argv + argc + 1;
    if (argc < 3) {
        say("strata-exec: not to be run directly\n");
        sys3(231 /* exit_group */, 127, 0, 0);
    }
    long err = -sys3(59 /* execve */, (long)argv[1], (long)(argv + 2), (long)envp);
    char num[24];
    int i = 23;
    num[i] = 0;
    do {
        num[--i] = (char)('0' + err % 10);
        err /= 10;
    } while (err && i > 0);
    say("strata: exec ");
    say(argv[1]);
    say(": errno ");
    say(num + i);
    say("\n");
    sys3(231 /* exit_group */, 127, 0, 0);
    __builtin_unreachable();
}

__asm__(".globl _start\n"
        "_start:\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call shim_main\n");
