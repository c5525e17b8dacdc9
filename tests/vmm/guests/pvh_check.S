/* Reports a PVH entry on COM1: "pvh: magic ok" if EBX points at an hvm_start_info, CR0 (PE set,
 * PG clear), then the command line from cmdline_paddr; then resets through the i8042. */
    .text
    .code32
    .globl pvh_start
pvh_start:
    mov %ebx, %ebp
    cmpl $0x336ec578, (%ebp)
    jne 1f
    mov $msg_ok, %esi
    call print
    jmp 2f
1:  mov $msg_bad, %esi
    call print
2:  mov $msg_cr0, %esi
    call print
    mov %cr0, %eax
    call print_hex
    mov $msg_cmdline, %esi
    call print
    mov 24(%ebp), %esi
    call print
    mov $msg_nl, %esi
    call print
    movb $0xfe, %al
    outb %al, $0x64
3:  cli
    hlt
    jmp 3b

/* print: the NUL-terminated string at ESI to port 0x3f8 */
print:
    mov $0x3f8, %dx
4:  lodsb
    test %al, %al
    jz 5f
    outb %al, %dx
    jmp 4b
5:  ret

/* print_hex: EAX as 8 hex digits and a newline */
print_hex:
    mov %eax, %ebx
    mov $8, %ecx
    mov $0x3f8, %dx
6:  rol $4, %ebx
    mov %ebx, %eax
    and $15, %eax
    movb hexdigits(%eax), %al
    outb %al, %dx
    dec %ecx
    jnz 6b
    movb $'\n', %al
    outb %al, %dx
    ret

    .section .rodata
msg_ok:      .asciz "pvh: magic ok\n"
msg_bad:     .asciz "pvh: bad magic\n"
msg_cr0:     .asciz "cr0="
msg_cmdline: .asciz "cmdline="
msg_nl:      .asciz "\n"
hexdigits:   .ascii "0123456789abcdef"
