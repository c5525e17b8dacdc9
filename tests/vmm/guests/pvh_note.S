/* The Xen PHYS32_ENTRY ELF note that makes an ELF kernel PVH-bootable (QEMU and strata enter it
 * in 32-bit protected mode with EBX -> hvm_start_info). Linux emits the address as a quad. */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4          /* namesz: "Xen\0" */
    .long 8          /* descsz */
    .long 18         /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .balign 4
    .quad pvh_start
