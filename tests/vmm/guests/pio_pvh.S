/* Port-I/O exit cost: performs N `out` instructions to port 0x80 (claimed by no device in either
 * VMM, so each is a full exit to user space and back), N parsed from the start of the command
 * line, then exits like exit_pvh.S. */
    .text
    .code32
    .globl pvh_start
pvh_start:
    mov 24(%ebx), %esi        /* hvm_start_info.cmdline_paddr (low half) */
    xor %ecx, %ecx
    test %esi, %esi
    jz 3f
1:  movzbl (%esi), %eax
    sub $'0', %eax
    cmp $9, %eax
    ja 3f
    imul $10, %ecx, %ecx
    add %eax, %ecx
    inc %esi
    jmp 1b
3:  test %ecx, %ecx
    jz 5f
4:  outb %al, $0x80
    dec %ecx
    jnz 4b
5:  xor %eax, %eax
    outb %al, $0xf4
    movb $0xfe, %al
    outb %al, $0x64
6:  cli
    hlt
    jmp 6b
