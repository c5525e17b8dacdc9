/* Guest (c): echoes through virtio-console port 0. Posts a receive buffer, waits (by interrupt)
 * for what the host wrote to its end of the fd, and sends it back prefixed with "echo: ". */
#include <asm/bootparam.h>

#include "virtio.h"

#define F_VERSION_1 (1ull << 32)

static struct vq rx, tx;
static char in[128] __attribute__((aligned(16)));
static char out[160] __attribute__((aligned(16)));
static struct virtio_dev dev;

void guest_main(struct boot_params *bp) {
    const char *cmdline = (const char *)(uint64_t)bp->hdr.cmd_line_ptr;
    puts("console: start\n");
    if (!find_virtio_mmio(cmdline, 0, &dev.base, &dev.irq)) {
        puts("console: no virtio_mmio.device on the command line\n");
        return;
    }
    if (!virtio_init(&dev, 3, F_VERSION_1)) return;
    if (!virtio_queue(&dev, &rx, 0) || !virtio_queue(&dev, &tx, 1)) return;
    virtio_install_irq(&dev);
    virtio_driver_ok(&dev);

    rx.desc[0] = (struct vq_desc){(uint64_t)in, sizeof in - 1, VQ_F_WRITE, 0};
    vq_submit(&dev, &rx, 0);
    struct vq_used_elem e = vq_wait(&rx);
    in[e.len] = 0;
    put_kv_hex("received", e.len);

    static const char prefix[] = "echo: ";
    memcpy(out, prefix, sizeof prefix - 1);
    memcpy(out + sizeof prefix - 1, in, e.len);
    tx.desc[0] = (struct vq_desc){(uint64_t)out, (uint32_t)(sizeof prefix - 1 + e.len), 0, 0};
    vq_submit(&dev, &tx, 0);
    vq_wait(&tx);
    put_kv_hex("interrupts", virtio_irqs);
    puts("console: done\n");
}
