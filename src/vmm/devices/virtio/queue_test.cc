// Unit tests of the split virtqueue against a plain memory buffer standing in for guest RAM: the
// test plays the driver.

#include "vmm/devices/virtio/queue.h"

#include <gtest/gtest.h>

#include <cstring>

namespace strata::vmm::virtio {
namespace {

constexpr uint64_t base = 0x10000;
constexpr uint16_t qsize = 8;
constexpr uint64_t desc = base, avail = base + 0x1000, used = base + 0x2000, data = base + 0x3000,
                   indirect = base + 0x4000;

class QueueTest : public ::testing::Test {
protected:
    QueueTest() : buf(0x8000, 0), mem(GuestMemory::wrap(buf, base)), q(256) {
        q.size = qsize;
        q.desc_addr = desc;
        q.avail_addr = avail;
        q.used_addr = used;
        q.ready = true;
    }
    template <class T>
    void poke(uint64_t gpa, T v) {
        std::memcpy(&buf[gpa - base], &v, sizeof v);
    }
    template <class T>
    T peek(uint64_t gpa) {
        T v;
        std::memcpy(&v, &buf[gpa - base], sizeof v);
        return v;
    }
    void set_desc(uint64_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
        poke<uint64_t>(table + 16 * i, addr);
        poke<uint32_t>(table + 16 * i + 8, len);
        poke<uint16_t>(table + 16 * i + 12, flags);
        poke<uint16_t>(table + 16 * i + 14, next);
    }
    // Driver side: make chain `head` available.
    void offer(uint16_t head) {
        const uint16_t idx = peek<uint16_t>(avail + 2);
        poke<uint16_t>(avail + 4 + 2 * (idx % qsize), head);
        poke<uint16_t>(avail + 2, static_cast<uint16_t>(idx + 1));
    }

    std::vector<uint8_t> buf;
    GuestMemory mem;
    Queue q;
};

TEST_F(QueueTest, ValidatesDriverConfiguration) {
    EXPECT_TRUE(q.validate(mem));
    q.size = 6;
    EXPECT_FALSE(q.validate(mem)) << "not a power of two";
    q.size = 512;
    EXPECT_FALSE(q.validate(mem)) << "above the maximum";
    q.size = qsize;
    q.used_addr = used + 2;
    EXPECT_FALSE(q.validate(mem)) << "used ring misaligned";
    q.used_addr = used;
    q.desc_addr = 0x100000;
    EXPECT_FALSE(q.validate(mem)) << "outside RAM";
}

TEST_F(QueueTest, PopsChainsInOrderReadableThenWritable) {
    EXPECT_FALSE(*q.pop(mem)) << "nothing offered yet";
    set_desc(desc, 0, data, 16, desc_f_next, 3);
    set_desc(desc, 3, data + 16, 512, desc_f_next | desc_f_write, 5);
    set_desc(desc, 5, data + 528, 1, desc_f_write, 0);
    offer(0);
    auto c = q.pop(mem);
    ASSERT_TRUE(c && *c) << (c ? "" : c.error().message());
    EXPECT_EQ((*c)->head, 0);
    ASSERT_EQ((*c)->descriptors.size(), 3u);
    EXPECT_FALSE((*c)->descriptors[0].writable);
    EXPECT_TRUE((*c)->descriptors[1].writable);
    EXPECT_EQ((*c)->readable_bytes(), 16u);
    EXPECT_EQ((*c)->writable_bytes(), 513u);
    EXPECT_FALSE(*q.pop(mem));
}

TEST_F(QueueTest, ChainReadAndWriteSpanDescriptors) {
    const char msg[] = "hello, virtqueue";
    std::memcpy(&buf[data - base], msg, 8);
    std::memcpy(&buf[data + 0x100 - base], msg + 8, 9);
    set_desc(desc, 0, data, 8, desc_f_next, 1);
    set_desc(desc, 1, data + 0x100, 9, desc_f_next, 2);
    set_desc(desc, 2, data + 0x200, 4, desc_f_next | desc_f_write, 3);
    set_desc(desc, 3, data + 0x300, 4, desc_f_write, 0);
    offer(0);
    auto c = **q.pop(mem);
    char out[17] = {};
    EXPECT_EQ(*c.read(mem, 0, {reinterpret_cast<uint8_t*>(out), 17}), 17u);
    EXPECT_STREQ(out, msg);
    char tail[6] = {};
    EXPECT_EQ(*c.read(mem, 11, {reinterpret_cast<uint8_t*>(tail), 5}), 5u);
    EXPECT_STREQ(tail, "queue");
    const uint8_t w[7] = {1, 2, 3, 4, 5, 6, 7};
    EXPECT_EQ(*c.write(mem, 1, w), 7u) << "writable part is 8 bytes from offset 1";
    EXPECT_EQ(buf[data + 0x201 - base], 1);
    EXPECT_EQ(buf[data + 0x300 - base], 4);
    EXPECT_EQ(buf[data + 0x303 - base], 7);
}

TEST_F(QueueTest, IndirectTables) {
    set_desc(indirect, 0, data, 16, desc_f_next, 1);
    set_desc(indirect, 1, data + 16, 1, desc_f_write, 0);
    set_desc(desc, 2, indirect, 32, desc_f_indirect, 0);
    offer(2);
    auto c = q.pop(mem);
    ASSERT_TRUE(c && *c) << (c ? "" : c.error().message());
    EXPECT_EQ((*c)->head, 2);
    EXPECT_EQ((*c)->descriptors.size(), 2u);
}

TEST_F(QueueTest, MalformedChainsAreErrors) {
    set_desc(desc, 0, data, 16, desc_f_next, 1);
    set_desc(desc, 1, data, 16, desc_f_next, 0);  // 0 -> 1 -> 0 -> ...
    offer(0);
    EXPECT_FALSE(q.pop(mem)) << "a loop";

    set_desc(desc, 0, data, 16, desc_f_next, 9);
    offer(0);
    EXPECT_FALSE(q.pop(mem)) << "next beyond the table";

    set_desc(desc, 0, data, 1, desc_f_write | desc_f_next, 1);
    set_desc(desc, 1, data, 1, 0, 0);
    offer(0);
    EXPECT_FALSE(q.pop(mem)) << "readable after writable";

    set_desc(desc, 0, indirect, 24, desc_f_indirect, 0);
    offer(0);
    EXPECT_FALSE(q.pop(mem)) << "indirect length not a multiple of 16";

    set_desc(indirect, 0, indirect, 16, desc_f_indirect, 0);
    set_desc(desc, 0, indirect, 16, desc_f_indirect, 0);
    offer(0);
    EXPECT_FALSE(q.pop(mem)) << "nested indirect";

    poke<uint16_t>(avail + 2, static_cast<uint16_t>(q.next_avail() + qsize + 1));
    EXPECT_FALSE(q.pop(mem)) << "avail index jumped by more than the queue size";
}

TEST_F(QueueTest, UsedRingAndInterruptSuppression) {
    set_desc(desc, 0, data, 1, desc_f_write, 0);
    offer(0);
    auto c = **q.pop(mem);
    ASSERT_TRUE(q.push_used(mem, c.head, 1));
    EXPECT_EQ(peek<uint16_t>(used + 2), 1);
    EXPECT_EQ(peek<uint32_t>(used + 4), 0u);
    EXPECT_EQ(peek<uint32_t>(used + 8), 1u);
    EXPECT_TRUE(*q.should_notify(mem));
    EXPECT_FALSE(*q.should_notify(mem)) << "nothing new since";

    poke<uint16_t>(avail, avail_f_no_interrupt);
    offer(0);
    (void)q.pop(mem);
    ASSERT_TRUE(q.push_used(mem, 0, 1));
    EXPECT_FALSE(*q.should_notify(mem)) << "driver asked for no interrupts";
}

TEST_F(QueueTest, EventIdx) {
    q.set_event_idx(true);
    set_desc(desc, 0, data, 1, desc_f_write, 0);
    // used_event = 1: interrupt only once the used index passes 1 (i.e. after the second buffer).
    poke<uint16_t>(avail + 4 + 2 * qsize, 1);
    offer(0);
    offer(0);
    (void)q.pop(mem);
    ASSERT_TRUE(q.push_used(mem, 0, 1));
    EXPECT_FALSE(*q.should_notify(mem));
    (void)q.pop(mem);
    ASSERT_TRUE(q.push_used(mem, 0, 1));
    EXPECT_TRUE(*q.should_notify(mem));
    // An empty ring publishes avail_event so the driver notifies on its next buffer.
    EXPECT_FALSE(*q.pop(mem));
    EXPECT_EQ(peek<uint16_t>(used + 4 + 8 * qsize), 2);
}

TEST_F(QueueTest, ResetForgetsEverything) {
    set_desc(desc, 0, data, 1, desc_f_write, 0);
    offer(0);
    (void)q.pop(mem);
    q.reset();
    EXPECT_FALSE(q.ready);
    EXPECT_EQ(q.size, 0);
    EXPECT_EQ(q.next_avail(), 0);
}

}  // namespace
}  // namespace strata::vmm::virtio
