/* Entry of the long-mode test guests. Laid out like a Linux kernel's protected-mode part: the
 * 64-bit entry sits 0x200 bytes in, where the 64-bit boot protocol enters a bzImage, and e_entry
 * of the ELF build points at the same place. RSI holds the zero page address. */
    .section .text.head, "ax"
    .code32
    .globl startup_32
startup_32:          /* never used: strata enters in long mode */
    hlt
    jmp startup_32
    .org 0x200
    .code64
    .globl startup_64
startup_64:
    lea stack_top(%rip), %rsp
    mov %rsi, %rdi   /* guest_main(zero page) */
    call guest_main
    call i8042_reset

    .section .bss
    .align 16
    .space 16384
stack_top:
