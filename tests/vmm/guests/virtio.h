/* A minimal guest-side virtio-mmio (version 2) driver: feature negotiation, split virtqueues in
 * static memory, and completion waits driven by the device's interrupt. */
#pragma once

#include "guest.h"

#define VQ_SIZE 16

struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
struct vq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[VQ_SIZE];
    uint16_t used_event;
};
struct vq_used_elem {
    uint32_t id;
    uint32_t len;
};
struct vq_used {
    uint16_t flags;
    volatile uint16_t idx;
    struct vq_used_elem ring[VQ_SIZE];
    uint16_t avail_event;
};
struct vq {
    unsigned index;
    struct vq_desc desc[VQ_SIZE] __attribute__((aligned(16)));
    struct vq_avail avail __attribute__((aligned(2)));
    struct vq_used used __attribute__((aligned(4)));
    uint16_t last_used;
    uint16_t irqs_at_submit;
};

#define VQ_F_NEXT 1
#define VQ_F_WRITE 2
#define VQ_F_INDIRECT 4

struct virtio_dev {
    uint64_t base;
    uint32_t irq;
    uint64_t features;  /* negotiated */
};

/* Resets the device, checks magic/version/device id, offers `wanted` & the device's features and
 * sets FEATURES_OK. Prints the reason and returns 0 on failure. */
int virtio_init(struct virtio_dev *d, uint32_t device_id, uint64_t wanted);
int virtio_queue(struct virtio_dev *d, struct vq *q, unsigned index);
void virtio_driver_ok(struct virtio_dev *d);
/* Publishes the chain at descriptor `head` and notifies the device. */
void vq_submit(struct virtio_dev *d, struct vq *q, uint16_t head);
/* Waits for the next used element and for the interrupt announcing it (a device that completes
 * without interrupting hangs the guest: the test's timeout reports it); returns the element. */
struct vq_used_elem vq_wait(struct vq *q);
/* The interrupt handler: acknowledges the device; counts in virtio_irqs. */
void virtio_install_irq(struct virtio_dev *d);
extern volatile uint16_t virtio_irqs;
