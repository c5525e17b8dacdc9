/* Guest (9): a 9P2000.L session through virtio-9p, as Linux's v9fs transport lays it out. Reads
 * the mount tag from config space, then Tversion, Tattach, Twalk to "hello", Tlopen, and a
 * zero-copy style Tread (Rread's 11-byte header in its own buffer, the data in a second one),
 * then Tlcreate "from-guest" in the root and Twrite to it. Prints each reply's type, and the
 * data it read. */
#include <asm/bootparam.h>
#include <linux/virtio_mmio.h>

#include "virtio.h"

#define F_VERSION_1 (1ull << 32)
#define F_MOUNT_TAG (1ull << 0)

static struct vq req;
static struct virtio_dev dev;
static uint8_t out[512] __attribute__((aligned(16)));
static uint8_t in_hdr[64] __attribute__((aligned(16)));
static uint8_t in_data[256] __attribute__((aligned(16)));
static unsigned out_len;
static uint16_t tag;

static void p8(uint8_t v) { out[out_len++] = v; }
static void p16(uint16_t v) { p8(v & 0xff); p8(v >> 8); }
static void p32(uint32_t v) { p16(v & 0xffff); p16(v >> 16); }
static void p64(uint64_t v) { p32((uint32_t)v); p32((uint32_t)(v >> 32)); }
static void pstr(const char *s) {
    uint16_t n = (uint16_t)strlen(s);
    p16(n);
    memcpy(out + out_len, s, n);
    out_len += n;
}
static void begin(uint8_t type) {
    out_len = 0;
    p32(0);
    p8(type);
    p16(++tag);
}
static uint32_t le32(const uint8_t *b) { return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24; }

/* Sends the message in `out`; the reply goes to in_hdr (hdr_room bytes), then in_data when
 * data_room > 0. Returns the reply's type and prints it as key=0x... */
static uint8_t rpc(const char *key, unsigned hdr_room, unsigned data_room) {
    out[0] = out_len & 0xff;
    out[1] = (out_len >> 8) & 0xff;
    req.desc[0] = (struct vq_desc){(uint64_t)out, out_len, VQ_F_NEXT, 1};
    req.desc[1] = (struct vq_desc){(uint64_t)in_hdr, hdr_room, (uint16_t)(VQ_F_WRITE | (data_room ? VQ_F_NEXT : 0)), 2};
    req.desc[2] = (struct vq_desc){(uint64_t)in_data, data_room, VQ_F_WRITE, 0};
    vq_submit(&dev, &req, 0);
    struct vq_used_elem e = vq_wait(&req);
    put_kv_hex(key, in_hdr[4]);
    if (in_hdr[4] == 7) put_kv_hex("errno", le32(in_hdr + 7));
    (void)e;
    return in_hdr[4];
}

void guest_main(struct boot_params *bp) {
    const char *cmdline = (const char *)(uint64_t)bp->hdr.cmd_line_ptr;
    puts("p9: start\n");
    if (!find_virtio_mmio(cmdline, 0, &dev.base, &dev.irq)) {
        puts("p9: no virtio_mmio.device on the command line\n");
        return;
    }
    if (!virtio_init(&dev, 9, F_VERSION_1 | F_MOUNT_TAG)) return;
    char mount_tag[64];
    unsigned len = *(volatile uint16_t *)(dev.base + VIRTIO_MMIO_CONFIG);
    for (unsigned i = 0; i < len && i < sizeof mount_tag - 1; ++i)
        mount_tag[i] = *(volatile char *)(dev.base + VIRTIO_MMIO_CONFIG + 2 + i);
    mount_tag[len < sizeof mount_tag ? len : sizeof mount_tag - 1] = 0;
    put_kv_str("tag", mount_tag);
    if (!virtio_queue(&dev, &req, 0)) return;
    virtio_install_irq(&dev);
    virtio_driver_ok(&dev);

    begin(100); p32(8192); pstr("9P2000.L");
    rpc("rversion", sizeof in_hdr, 0);
    begin(104); p32(1); p32(~0u); pstr("root"); pstr(""); p32(0);
    rpc("rattach", sizeof in_hdr, 0);
    begin(110); p32(1); p32(2); p16(1); pstr("hello");
    rpc("rwalk", sizeof in_hdr, 0);
    begin(12); p32(2); p32(0);
    rpc("rlopen", sizeof in_hdr, 0);
    begin(116); p32(2); p64(0); p32(sizeof in_data - 1);
    if (rpc("rread", 11, sizeof in_data - 1) == 117) {
        uint32_t n = le32(in_hdr + 7);
        put_kv_hex("read_count", n);
        in_data[n < sizeof in_data ? n : sizeof in_data - 1] = 0;
        put_kv_str("read_data", (const char *)in_data);
    }
    /* A walk with no names clones the root fid, which Tlcreate turns into the new file. */
    begin(110); p32(1); p32(3); p16(0);
    rpc("rwalk_clone", sizeof in_hdr, 0);
    begin(14); p32(3); pstr("from-guest"); p32(1 /* O_WRONLY */); p32(0640); p32(0);
    rpc("rlcreate", sizeof in_hdr, 0);
    begin(118); p32(3); p64(0); p32(10);
    memcpy(out + out_len, "guest-data", 10);
    out_len += 10;
    if (rpc("rwrite", sizeof in_hdr, 0) == 119) put_kv_hex("write_count", le32(in_hdr + 7));
    /* A walk through a name with a slash is refused. */
    begin(110); p32(1); p32(4); p16(1); pstr("../etc");
    rpc("rwalk_slash", sizeof in_hdr, 0);
    put_kv_hex("interrupts", virtio_irqs);
    puts("p9: done\n");
}
