/* The application processor's first code, copied by smp.c to 0x10000 and started there by a
 * STARTUP IPI with vector 0x10 (CS = 0x1000, IP = 0, 16-bit real mode). Position-independent: data
 * is addressed relative to CS. It reports its APIC id from CPUID and resets the machine. */
    .section .rodata
    .code16
    .globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
    cli
    mov %cs, %ax
    mov %ax, %ds
    mov $0x3f8, %dx
    mov $(ap_msg - ap_trampoline_start), %si
1:  lodsb
    test %al, %al
    jz 2f
    outb %al, %dx
    jmp 1b
2:  mov $1, %eax
    cpuid               /* clobbers EDX: reload the port below */
    mov $0x3f8, %dx
    shr $24, %ebx
    mov %bl, %al
    add $'0', %al
    outb %al, %dx
    mov $'\n', %al
    outb %al, %dx
    mov $0xfe, %al
    outb %al, $0x64
3:  hlt
    jmp 3b
ap_msg:
    .asciz "smp: ap running in real mode, apic id="
ap_trampoline_end:
    .code64
