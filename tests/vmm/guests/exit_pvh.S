/* The smallest guest, for launch-to-exit benchmarks: its first instructions end the VM, through
 * QEMU's isa-debug-exit (port 0xf4, absent in strata's VMM) and then the i8042 reset line (which
 * QEMU microvm lacks). Same binary for both VMMs, entered via PVH. */
    .text
    .code32
    .globl pvh_start
pvh_start:
    xor %eax, %eax
    outb %al, $0xf4
    movb $0xfe, %al
    outb %al, $0x64
1:  cli
    hlt
    jmp 1b
