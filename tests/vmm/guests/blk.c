/* Guest (b): drives the virtio-blk device through a real virtqueue. Finds the device on the
 * command line, negotiates VERSION_1 | EVENT_IDX | INDIRECT_DESC (+ FLUSH), and with
 * interrupt-driven completions: reads sector 0, writes sector 1 through an indirect table,
 * flushes, reads sector 1 back, reads past the end (must fail), asks for the id. */
#include <asm/bootparam.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_mmio.h>

#include "virtio.h"

#define F_VERSION_1 (1ull << 32)
#define F_EVENT_IDX (1ull << 29)
#define F_INDIRECT (1ull << 28)

static struct vq q;
static struct virtio_blk_outhdr hdr;
static uint8_t data[512] __attribute__((aligned(16)));
static uint8_t status;
static struct vq_desc indirect[3] __attribute__((aligned(16)));
static struct virtio_dev dev;

static const char pattern[] = "written by the strata guest";

/* header (readable) -> data (readable or writable) -> status (writable) */
static uint8_t request(uint32_t type, uint64_t sector, uint32_t len, int use_indirect) {
    hdr.type = type;
    hdr.ioprio = 0;
    hdr.sector = sector;
    status = 0xff;
    struct vq_desc chain[3] = {
        {(uint64_t)&hdr, sizeof hdr, VQ_F_NEXT, 1},
        {(uint64_t)data, len, (uint16_t)(VQ_F_NEXT | (type == VIRTIO_BLK_T_OUT ? 0 : VQ_F_WRITE)), 2},
        {(uint64_t)&status, 1, VQ_F_WRITE, 0},
    };
    unsigned n = 3;
    if (len == 0) {  /* flush: no data descriptor */
        chain[0].next = 1;
        chain[1] = chain[2];
        n = 2;
    }
    if (use_indirect) {
        for (unsigned i = 0; i < n; ++i) indirect[i] = chain[i];
        q.desc[0] = (struct vq_desc){(uint64_t)indirect, (uint32_t)(n * sizeof(struct vq_desc)), VQ_F_INDIRECT, 0};
    } else {
        for (unsigned i = 0; i < n; ++i) q.desc[i] = chain[i];
    }
    vq_submit(&dev, &q, 0);
    struct vq_used_elem e = vq_wait(&q);
    put_kv_hex("used_len", e.len);
    return status;
}

void guest_main(struct boot_params *bp) {
    const char *cmdline = (const char *)(uint64_t)bp->hdr.cmd_line_ptr;
    puts("blk: start\n");
    if (!find_virtio_mmio(cmdline, 0, &dev.base, &dev.irq)) {
        puts("blk: no virtio_mmio.device on the command line\n");
        return;
    }
    put_kv_hex("base", dev.base);
    put_kv_hex("irq", dev.irq);
    if (!virtio_init(&dev, 2, F_VERSION_1 | F_EVENT_IDX | F_INDIRECT | (1ull << VIRTIO_BLK_F_FLUSH) |
                               (1ull << VIRTIO_BLK_F_RO)))
        return;
    put_kv_hex("capacity", mmio_read32(dev.base + VIRTIO_MMIO_CONFIG) |
                               (uint64_t)mmio_read32(dev.base + VIRTIO_MMIO_CONFIG + 4) << 32);
    put_kv_hex("ro", (dev.features >> VIRTIO_BLK_F_RO) & 1);
    if (!virtio_queue(&dev, &q, 0)) return;
    virtio_install_irq(&dev);
    virtio_driver_ok(&dev);

    uint8_t s = request(VIRTIO_BLK_T_IN, 0, 512, 0);
    put_kv_hex("read0_status", s);
    data[32] = 0;
    put_kv_str("sector0", (const char *)data);

    memset(data, 0, sizeof data);
    memcpy(data, pattern, sizeof pattern);
    put_kv_hex("write1_status", request(VIRTIO_BLK_T_OUT, 1, 512, 1));
    put_kv_hex("flush_status", request(VIRTIO_BLK_T_FLUSH, 0, 0, 0));

    memset(data, 0, sizeof data);
    put_kv_hex("read1_status", request(VIRTIO_BLK_T_IN, 1, 512, 0));
    put_kv_str("readback", memcmp(data, pattern, sizeof pattern) == 0 ? "match" : "differs");

    uint64_t capacity = mmio_read32(dev.base + VIRTIO_MMIO_CONFIG);
    put_kv_hex("read_past_end_status", request(VIRTIO_BLK_T_IN, capacity, 512, 0));

    memset(data, 0, sizeof data);
    put_kv_hex("get_id_status", request(VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES, 0));
    data[VIRTIO_BLK_ID_BYTES] = 0;
    put_kv_str("id", (const char *)data);

    put_kv_hex("interrupts", virtio_irqs);
    puts("blk: done\n");
}
