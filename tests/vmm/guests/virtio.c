#include "virtio.h"

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

volatile uint16_t virtio_irqs;
static struct virtio_dev *irq_dev;

static uint32_t rd(struct virtio_dev *d, uint32_t off) { return mmio_read32(d->base + off); }
static void wr(struct virtio_dev *d, uint32_t off, uint32_t v) { mmio_write32(d->base + off, v); }

int virtio_init(struct virtio_dev *d, uint32_t device_id, uint64_t wanted) {
    if (rd(d, VIRTIO_MMIO_MAGIC_VALUE) != 0x74726976) {
        puts("virtio: bad magic\n");
        return 0;
    }
    if (rd(d, VIRTIO_MMIO_VERSION) != 2 || rd(d, VIRTIO_MMIO_DEVICE_ID) != device_id) {
        puts("virtio: unexpected version or device id\n");
        return 0;
    }
    wr(d, VIRTIO_MMIO_STATUS, 0);
    wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t offered = rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    offered |= (uint64_t)rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    put_kv_hex("device_features", offered);
    d->features = offered & wanted;
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)d->features);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(d->features >> 32));
    uint32_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK;
    wr(d, VIRTIO_MMIO_STATUS, s);
    if (!(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK)) {
        puts("virtio: FEATURES_OK refused\n");
        return 0;
    }
    put_kv_hex("negotiated", d->features);
    return 1;
}

int virtio_queue(struct virtio_dev *d, struct vq *q, unsigned index) {
    q->index = index;
    wr(d, VIRTIO_MMIO_QUEUE_SEL, index);
    if (rd(d, VIRTIO_MMIO_QUEUE_READY) || rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX) < VQ_SIZE) {
        puts("virtio: queue unusable\n");
        return 0;
    }
    wr(d, VIRTIO_MMIO_QUEUE_NUM, VQ_SIZE);
    uint64_t desc = (uint64_t)q->desc, avail = (uint64_t)&q->avail, used = (uint64_t)&q->used;
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    wr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
    wr(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
    wr(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
    wr(d, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    if (rd(d, VIRTIO_MMIO_QUEUE_READY) != 1) {
        puts("virtio: queue not ready\n");
        return 0;
    }
    return 1;
}

void virtio_driver_ok(struct virtio_dev *d) {
    wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                                  VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

void vq_submit(struct virtio_dev *d, struct vq *q, uint16_t head) {
    /* With EVENT_IDX: interrupt us as soon as the used index moves past what we have seen. */
    q->avail.used_event = q->last_used;
    q->irqs_at_submit = virtio_irqs;
    q->avail.ring[q->avail.idx % VQ_SIZE] = head;
    full_barrier();
    q->avail.idx++;
    full_barrier();
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
}

struct vq_used_elem vq_wait(struct vq *q) {
    wait_change(&q->used.idx, q->last_used);
    wait_change(&virtio_irqs, q->irqs_at_submit);
    struct vq_used_elem e = q->used.ring[q->last_used % VQ_SIZE];
    q->last_used++;
    return e;
}

__attribute__((interrupt)) static void virtio_isr(void *frame) {
    (void)frame;
    uint32_t status = mmio_read32(irq_dev->base + VIRTIO_MMIO_INTERRUPT_STATUS);
    mmio_write32(irq_dev->base + VIRTIO_MMIO_INTERRUPT_ACK, status);
    virtio_irqs++;
    pic_eoi(irq_dev->irq);
}

void virtio_install_irq(struct virtio_dev *d) {
    irq_dev = d;
    pic_init();
    idt_set(0x20 + d->irq, (void *)virtio_isr);
    idt_load();
    pic_unmask(d->irq);
}
