/* Guest (n): one frame each way through virtio-net. Negotiates VERSION_1 | EVENT_IDX | MAC |
 * MTU | STATUS, reads the config space, posts one receive buffer, sends one Ethernet frame from
 * its MAC (the virtio_net_hdr in its own descriptor, the frame split over two more), then waits
 * by interrupt for the frame the host queued before the guest booted. */
#include <asm/bootparam.h>
#include <linux/virtio_mmio.h>

#include "virtio.h"

#define F_VERSION_1 (1ull << 32)
#define F_EVENT_IDX (1ull << 29)
#define F_MTU (1ull << 3)
#define F_MAC (1ull << 5)
#define F_STATUS (1ull << 16)
#define HDR_LEN 12

static struct vq rx, tx;
static uint8_t tx_hdr[HDR_LEN] __attribute__((aligned(16)));
static uint8_t tx_frame[64] __attribute__((aligned(16)));
static uint8_t rx_buf[HDR_LEN + 1514] __attribute__((aligned(16)));
static struct virtio_dev dev;

static const char payload[] = "hello from the strata guest";

static uint8_t config8(unsigned off) { return *(volatile uint8_t *)(dev.base + VIRTIO_MMIO_CONFIG + off); }
static uint16_t config16(unsigned off) { return *(volatile uint16_t *)(dev.base + VIRTIO_MMIO_CONFIG + off); }

void guest_main(struct boot_params *bp) {
    const char *cmdline = (const char *)(uint64_t)bp->hdr.cmd_line_ptr;
    puts("net: start\n");
    if (!find_virtio_mmio(cmdline, 0, &dev.base, &dev.irq)) {
        puts("net: no virtio_mmio.device on the command line\n");
        return;
    }
    if (!virtio_init(&dev, 1, F_VERSION_1 | F_EVENT_IDX | F_MTU | F_MAC | F_STATUS)) return;
    uint8_t mac[6];
    uint64_t mac_value = 0;
    for (unsigned i = 0; i < 6; ++i) {
        mac[i] = config8(i);
        mac_value = mac_value << 8 | mac[i];
    }
    put_kv_hex("mac", mac_value);
    put_kv_hex("status", config16(6));
    put_kv_hex("mtu", config16(10));
    if (!virtio_queue(&dev, &rx, 0) || !virtio_queue(&dev, &tx, 1)) return;
    virtio_install_irq(&dev);
    virtio_driver_ok(&dev);

    rx.desc[0] = (struct vq_desc){(uint64_t)rx_buf, sizeof rx_buf, VQ_F_WRITE, 0};
    vq_submit(&dev, &rx, 0);

    /* Broadcast, from our MAC, ethertype 0x88b5 (IEEE local experimental), then the payload. */
    memset(tx_frame, 0, sizeof tx_frame);
    memset(tx_frame, 0xff, 6);
    memcpy(tx_frame + 6, mac, 6);
    tx_frame[12] = 0x88;
    tx_frame[13] = 0xb5;
    memcpy(tx_frame + 14, payload, sizeof payload - 1);
    tx.desc[0] = (struct vq_desc){(uint64_t)tx_hdr, HDR_LEN, VQ_F_NEXT, 1};
    tx.desc[1] = (struct vq_desc){(uint64_t)tx_frame, 20, VQ_F_NEXT, 2};
    tx.desc[2] = (struct vq_desc){(uint64_t)tx_frame + 20, sizeof tx_frame - 20, 0, 0};
    vq_submit(&dev, &tx, 0);
    struct vq_used_elem t = vq_wait(&tx);
    put_kv_hex("tx_used_len", t.len);

    struct vq_used_elem e = vq_wait(&rx);
    put_kv_hex("rx_used_len", e.len);
    uint64_t hdr_value = 0;
    for (unsigned i = 0; i < HDR_LEN; ++i) hdr_value |= (uint64_t)(rx_buf[i] != 0) << i;
    put_kv_hex("rx_hdr_nonzero_bytes", hdr_value);  /* bit i: header byte i is not zero */
    put_kv_hex("rx_num_buffers", rx_buf[10] | rx_buf[11] << 8);
    if (e.len > HDR_LEN + 14 && e.len < sizeof rx_buf) {
        rx_buf[e.len] = 0;
        put_kv_str("rx_payload", (const char *)rx_buf + HDR_LEN + 14);
    }
    put_kv_hex("interrupts", virtio_irqs);
    puts("net: done\n");
}
