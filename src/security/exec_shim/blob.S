/* The shim ELF, embedded in strata's .rodata. */
    .section .rodata
    .balign 16
    .globl strata_exec_shim_start
strata_exec_shim_start:
    .incbin STRATA_EXEC_SHIM_PATH
    .globl strata_exec_shim_end
strata_exec_shim_end:
    .section .note.GNU-stack,"",@progbits
