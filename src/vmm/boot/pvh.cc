#include "vmm/boot/pvh.h"

#include <cstring>

namespace strata::vmm::boot {
namespace {

template <class T>
void append(std::vector<uint8_t>& out, const T& v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out.insert(out.end(), p, p + sizeof v);
}

}  // namespace

std::vector<uint8_t> build_pvh_start_info(const PvhParams& p, uint64_t gpa) {
    HvmStartInfo info{};
    info.magic = pvh_magic;
    info.version = 1;
    info.cmdline_paddr = p.cmdline_gpa;
    uint64_t next = gpa + sizeof info;
    if (p.initrd_size > 0) {
        info.nr_modules = 1;
        info.modlist_paddr = next;
        next += sizeof(HvmModlistEntry);
    }
    info.memmap_paddr = next;
    info.memmap_entries = static_cast<uint32_t>(p.e820.size());

    std::vector<uint8_t> out;
    append(out, info);
    if (p.initrd_size > 0) append(out, HvmModlistEntry{p.initrd_gpa, p.initrd_size, 0, 0});
    for (const auto& e : p.e820) append(out, HvmMemmapEntry{e.addr, e.size, static_cast<uint32_t>(e.type), 0});
    return out;
}

}  // namespace strata::vmm::boot
