#include "vmm/arch/x86_64/mptable.h"

#include <cstddef>
#include <cstring>
#include <numeric>

#include "vmm/memory/layout.h"

namespace strata::vmm::x86 {
namespace {

// Layouts from the MP spec 1.4, chapter 4.
struct __attribute__((packed)) FloatingPointer {
    char signature[4];  // "_MP_"
    uint32_t config_table;
    uint8_t length;     // in 16-byte units
    uint8_t spec_rev;
    uint8_t checksum;
    uint8_t features[5];
};
struct __attribute__((packed)) ConfigHeader {
    char signature[4];  // "PCMP"
    uint16_t length;
    uint8_t spec_rev;
    uint8_t checksum;
    char oem[8];
    char product[12];
    uint32_t oem_table;
    uint16_t oem_table_size;
    uint16_t entry_count;
    uint32_t lapic_address;
    uint16_t ext_length;
    uint8_t ext_checksum;
    uint8_t reserved;
};
struct __attribute__((packed)) ProcessorEntry {
    uint8_t type;  // 0
    uint8_t apic_id;
    uint8_t apic_version;
    uint8_t flags;  // bit 0 enabled, bit 1 bootstrap processor
    uint32_t signature;
    uint32_t features;
    uint32_t reserved[2];
};
struct __attribute__((packed)) BusEntry {
    uint8_t type;  // 1
    uint8_t bus_id;
    char bus_type[6];
};
struct __attribute__((packed)) IoApicEntry {
    uint8_t type;  // 2
    uint8_t apic_id;
    uint8_t apic_version;
    uint8_t flags;  // bit 0 usable
    uint32_t address;
};
struct __attribute__((packed)) InterruptEntry {
    uint8_t type;  // 3 I/O interrupt, 4 local interrupt
    uint8_t interrupt_type;  // 0 INT, 1 NMI, 3 ExtINT
    uint16_t flags;          // 0: conforms to the bus (ISA: edge, active high)
    uint8_t source_bus;
    uint8_t source_irq;
    uint8_t dest_apic;
    uint8_t dest_pin;
};
static_assert(sizeof(FloatingPointer) == 16 && sizeof(ConfigHeader) == 44 &&
              sizeof(ProcessorEntry) == 20 && sizeof(BusEntry) == 8 && sizeof(IoApicEntry) == 8 &&
              sizeof(InterruptEntry) == 8);

constexpr uint8_t lapic_version = 0x14, ioapic_version = 0x11;
// Family 6 signature and the FPU/APIC feature bits, as the table's CPU entries conventionally say.
constexpr uint32_t cpu_signature = 0x600, cpu_features = 0x201;

uint8_t checksum(const uint8_t* p, size_t n) {
    return static_cast<uint8_t>(-std::accumulate(p, p + n, 0u));
}

template <class T>
void append(std::vector<uint8_t>& out, const T& v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out.insert(out.end(), p, p + sizeof v);
}

}  // namespace

Result<std::vector<uint8_t>> build_mptable(uint32_t vcpus, uint64_t gpa) {
    if (vcpus == 0 || vcpus > mptable_max_vcpus)
        return error("MP table: " + std::to_string(vcpus) + " vCPUs (1-" +
                     std::to_string(mptable_max_vcpus) + " supported)");
    const uint8_t ioapic_id = static_cast<uint8_t>(vcpus);
    std::vector<uint8_t> table;
    uint16_t entries = 0;
    for (uint32_t i = 0; i < vcpus; ++i) {
        ProcessorEntry cpu{};
        cpu.apic_id = static_cast<uint8_t>(i);
        cpu.apic_version = lapic_version;
        cpu.flags = 1 | (i == 0 ? 2 : 0);
        cpu.signature = cpu_signature;
        cpu.features = cpu_features;
        append(table, cpu);
        ++entries;
    }
    BusEntry bus{1, 0, {'I', 'S', 'A', ' ', ' ', ' '}};
    append(table, bus);
    ++entries;
    IoApicEntry ioapic{2, ioapic_id, ioapic_version, 1, static_cast<uint32_t>(layout::ioapic)};
    append(table, ioapic);
    ++entries;
    for (uint32_t pin = 0; pin < ioapic_pins; ++pin) {
        InterruptEntry irq{3, 0, 0, 0, static_cast<uint8_t>(pin), ioapic_id, static_cast<uint8_t>(pin)};
        append(table, irq);
        ++entries;
    }
    append(table, InterruptEntry{4, 3, 0, 0, 0, 0xff, 0});  // LINT0: ExtINT, to every LAPIC
    append(table, InterruptEntry{4, 1, 0, 0, 0, 0xff, 1});  // LINT1: NMI
    entries += 2;

    ConfigHeader h{};
    std::memcpy(h.signature, "PCMP", 4);
    h.length = static_cast<uint16_t>(sizeof h + table.size());
    h.spec_rev = 4;
    std::memcpy(h.oem, "STRATA  ", 8);
    std::memcpy(h.product, "MICROVM     ", 12);
    h.entry_count = entries;
    h.lapic_address = static_cast<uint32_t>(layout::lapic);

    FloatingPointer fp{};
    std::memcpy(fp.signature, "_MP_", 4);
    fp.config_table = static_cast<uint32_t>(gpa + sizeof fp);
    fp.length = 1;
    fp.spec_rev = 4;
    fp.checksum = checksum(reinterpret_cast<const uint8_t*>(&fp), sizeof fp);

    std::vector<uint8_t> out;
    append(out, fp);
    append(out, h);
    out.insert(out.end(), table.begin(), table.end());
    out[sizeof fp + offsetof(ConfigHeader, checksum)] =
        checksum(out.data() + sizeof fp, out.size() - sizeof fp);
    if (out.size() > 0xa0000 - layout::mptable) return error("MP table does not fit below 640 KiB");
    return out;
}

}  // namespace strata::vmm::x86
