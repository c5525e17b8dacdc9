// Unit tests of the legacy device models and the bus, driven register by register.

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/devices/bus.h"
#include "vmm/devices/cmos.h"
#include "vmm/devices/i8042.h"
#include "vmm/devices/serial.h"

namespace strata::vmm::devices {
namespace {

const std::atomic<bool> never{false};

uint8_t rd(BusDevice& d, uint64_t off) {
    uint8_t v = 0;
    d.read(off, {&v, 1});
    return v;
}
void wr(BusDevice& d, uint64_t off, uint8_t v) { d.write(off, {&v, 1}); }

class Recorder : public BusDevice {
public:
    void read(uint64_t offset, std::span<uint8_t> data) override { data[0] = static_cast<uint8_t>(offset); }
    void write(uint64_t offset, std::span<const uint8_t> data) override { last = {offset, data[0]}; }
    std::pair<uint64_t, uint8_t> last{};
};

TEST(Bus, DispatchesByRangeAndRejectsOverlaps) {
    Bus bus;
    Recorder a, b;
    ASSERT_TRUE(bus.add(0x3f8, 8, &a, "a"));
    ASSERT_TRUE(bus.add(0x70, 2, &b, "b"));
    EXPECT_FALSE(bus.add(0x3fc, 8, &b, "c"));
    EXPECT_FALSE(bus.add(0x3f0, 9, &b, "d"));
    EXPECT_TRUE(bus.add(0x3f0, 8, &b, "e"));
    uint8_t v = 0;
    EXPECT_TRUE(bus.read(0x3fd, {&v, 1}));
    EXPECT_EQ(v, 5);
    const uint8_t w = 9;
    EXPECT_TRUE(bus.write(0x71, {&w, 1}));
    EXPECT_EQ(b.last, (std::pair<uint64_t, uint8_t>{1, 9}));
    EXPECT_FALSE(bus.read(0x400, {&v, 1}));
    EXPECT_FALSE(bus.read(0x6f, {&v, 1}));
}

TEST(Serial, TransmitsToTheFdAndReportsAnIdleLine) {
    int fd = ::memfd_create("serial", MFD_CLOEXEC);
    CountingIrq irq;
    Serial s(&irq, fd, never);
    EXPECT_EQ(rd(s, 5), 0x60) << "THR empty, transmitter empty, no data";
    for (char c : std::string("hi\n")) wr(s, 0, static_cast<uint8_t>(c));
    char buf[8] = {};
    EXPECT_EQ(::pread(fd, buf, sizeof buf, 0), 3);
    EXPECT_STREQ(buf, "hi\n");
    EXPECT_EQ(irq.count, 0) << "no interrupts enabled";
    ::close(fd);
}

TEST(Serial, ThreInterruptOnEnableAndAfterEachByte) {
    CountingIrq irq;
    Serial s(&irq, -1, never);
    wr(s, 1, 0x02);  // IER: THRE
    EXPECT_EQ(irq.count, 1);
    EXPECT_EQ(rd(s, 2) & 0x0f, 0x02) << "IIR: THR empty";
    EXPECT_EQ(rd(s, 2) & 0x0f, 0x01) << "reading IIR acknowledged it";
    wr(s, 0, 'x');
    EXPECT_EQ(irq.count, 2);
}

TEST(Serial, ReceivesHostInputWithInterrupt) {
    CountingIrq irq;
    Serial s(&irq, -1, never);
    int drained = 0;
    s.on_input_drained([&] { ++drained; });
    wr(s, 1, 0x01);  // IER: received data
    const uint8_t in[] = {'o', 'k'};
    EXPECT_EQ(s.push_input(in), 2u);
    EXPECT_EQ(irq.count, 1);
    EXPECT_EQ(rd(s, 5) & 1, 1) << "LSR data ready";
    EXPECT_EQ(rd(s, 2) & 0x0f, 0x04) << "IIR: received data available";
    EXPECT_EQ(rd(s, 0), 'o');
    EXPECT_EQ(rd(s, 0), 'k');
    EXPECT_EQ(rd(s, 5) & 1, 0);
    EXPECT_EQ(drained, 1);
    EXPECT_EQ(s.input_space(), Serial::input_capacity);
}

TEST(Serial, LoopbackAndDivisorLatch) {
    Serial s(nullptr, -1, never);
    wr(s, 4, 0x10 | 0x0a);  // loopback, RTS, OUT2
    EXPECT_EQ(rd(s, 6) & 0xf0, 0x90) << "CTS and DCD follow RTS and OUT2 (Linux's autoconfig)";
    wr(s, 0, 'L');
    EXPECT_EQ(rd(s, 0), 'L') << "looped back";
    wr(s, 4, 0);
    EXPECT_EQ(rd(s, 6), 0xb0);
    wr(s, 3, 0x80);  // DLAB
    wr(s, 0, 0x01);
    wr(s, 1, 0x00);
    EXPECT_EQ(rd(s, 0), 0x01);
    wr(s, 3, 0x03);
    wr(s, 7, 0x5a);
    EXPECT_EQ(rd(s, 7), 0x5a) << "scratch register";
    wr(s, 2, 0x01);
    EXPECT_EQ(rd(s, 2) & 0xc0, 0xc0) << "FIFOs enabled: a 16550A";
}

TEST(Cmos, ClockInBcdFromTheHostClock) {
    // 2026-11-23 22:07:09 UTC, a Monday.
    Cmos c([] { return time_t{1795471629}; });
    auto reg = [&](uint8_t i) {
        wr(c, 0, i);
        return rd(c, 1);
    };
    EXPECT_EQ(reg(0x00), 0x09);
    EXPECT_EQ(reg(0x02), 0x07);
    EXPECT_EQ(reg(0x04), 0x22);
    EXPECT_EQ(reg(0x07), 0x23);
    EXPECT_EQ(reg(0x08), 0x11);
    EXPECT_EQ(reg(0x09), 0x26);
    EXPECT_EQ(reg(0x32), 0x20);
    EXPECT_EQ(reg(0x0a) & 0x80, 0) << "no update in progress";
    EXPECT_EQ(reg(0x0b), 0x02) << "24-hour BCD";
    EXPECT_EQ(reg(0x0d), 0x80) << "valid";
    wr(c, 0, 0x40);
    wr(c, 1, 0xab);
    EXPECT_EQ(reg(0x40), 0xab) << "NVRAM";
    EXPECT_EQ(Cmos::to_bcd(59), 0x59);
}

TEST(I8042, ResetLine) {
    int resets = 0;
    I8042 k([&] { ++resets; }, nullptr, nullptr);
    wr(k, 4, 0xfe);
    EXPECT_EQ(resets, 1);
    wr(k, 4, 0xd1);  // write output port...
    wr(k, 0, 0xdf);  // ...with bit 0 set: no reset
    EXPECT_EQ(resets, 1);
    wr(k, 4, 0xd1);
    wr(k, 0, 0xde);  // bit 0 clear: reset
    EXPECT_EQ(resets, 2);
}

TEST(I8042, ControllerCommandsAndKeyboardReplies) {
    CountingIrq kbd, aux;
    I8042 k(nullptr, &kbd, &aux);
    EXPECT_EQ(rd(k, 4) & 1, 0) << "output buffer empty";
    wr(k, 4, 0xaa);
    EXPECT_EQ(rd(k, 4) & 1, 1);
    EXPECT_EQ(rd(k, 0), 0x55) << "self-test passed";
    wr(k, 4, 0x20);
    const uint8_t config = rd(k, 0);
    EXPECT_EQ(config & 0x01, 0x01);
    wr(k, 0, 0xff);  // keyboard reset
    EXPECT_EQ(kbd.count, 1);
    EXPECT_EQ(rd(k, 0), 0xfa);
    EXPECT_EQ(rd(k, 0), 0xaa);
    wr(k, 4, 0x60);
    wr(k, 0, 0x47);  // enable aux interrupts
    wr(k, 4, 0xd3);
    wr(k, 0, 0x5a);  // aux loopback
    EXPECT_EQ(rd(k, 4) & 0x21, 0x21) << "aux data in the output buffer";
    EXPECT_EQ(rd(k, 0), 0x5a);
    EXPECT_EQ(aux.count, 1);
}

}  // namespace
}  // namespace strata::vmm::devices
