// Machine::create: the one recipe that builds a VM, in order —
// kvm -> memory (+ irqchip) -> devices -> kernel (+ initrd, cmdline, boot data) -> PIT -> vcpus.

#include <sys/epoll.h>

#include <array>
#include <mutex>

#include "base/log.h"
#include "sys/eventfd.h"
#include "sys/rw.h"
#include "sys/thread.h"
#include "vmm/arch/x86_64/cpuid.h"
#include "vmm/arch/x86_64/e820.h"
#include "vmm/arch/x86_64/gdt.h"
#include "vmm/arch/x86_64/mptable.h"
#include "vmm/arch/x86_64/page_tables.h"
#include "vmm/arch/x86_64/regs.h"
#include "vmm/arch/x86_64/zero_page.h"
#include "vmm/boot/cmdline.h"
#include "vmm/boot/initrd.h"
#include "vmm/boot/kernel.h"
#include "vmm/boot/pvh.h"
#include "vmm/devices/virtio/blk/block.h"
#include "vmm/devices/virtio/console/console.h"
#include "vmm/devices/virtio/net/mac.h"
#include "vmm/devices/virtio/net/net.h"
#include "vmm/devices/virtio/p9/device.h"
#include "vmm/format.h"
#include "vmm/machine_impl.h"

namespace strata::vmm {
namespace {

constexpr uint64_t serial_port = 0x3f8, cmos_port = 0x70;
constexpr unsigned serial_irq = 4, kbd_irq = 1, aux_irq = 12;
// ISA IRQs free for virtio-mmio devices (not the PIT, keyboard, cascade, COM ports, RTC, mouse or
// FPU), then the IOAPIC-only inputs. The MP table routes all of them to the IOAPIC pin of the same
// number, which is KVM's default GSI routing.
constexpr std::array<unsigned, 15> virtio_irqs = {5, 6, 7, 9, 10, 11, 14, 15, 16, 17, 18, 19, 20, 21, 22};

Result<> check_config(const MachineConfig& c) {
    if (c.kernel.empty()) return error("no kernel given");
    if (c.vcpus == 0 || c.vcpus > x86::mptable_max_vcpus)
        return error(std::to_string(c.vcpus) + " vCPUs (1-" + std::to_string(x86::mptable_max_vcpus) + " supported)");
    if (uint64_t{c.mem_mib} * layout::MiB < layout::min_ram)
        return error(std::to_string(c.mem_mib) + " MiB of memory (at least " +
                     std::to_string(layout::min_ram / layout::MiB) + " MiB needed)");
    if (c.mem_mib > 1024 * 1024) return error(std::to_string(c.mem_mib) + " MiB of memory (at most 1 TiB)");
    for (size_t i = 0; i < c.nics.size(); ++i) {
        const auto& n = c.nics[i];
        const std::string nic = "nic " + std::to_string(i) + ": ";
        if (n.fd < 0) return error(nic + "no fd");
        if (n.mtu < 68 || n.mtu > virtio::Net::max_frame - 18)
            return error(nic + "mtu " + std::to_string(n.mtu) + " (68-" + std::to_string(virtio::Net::max_frame - 18) +
                         " supported)");
        if (is_multicast(n.mac)) return error(nic + "mac " + to_string(n.mac) + " is a multicast address");
    }
    const size_t nvirtio = c.disks.size() + (c.console_fd >= 0 ? 1 : 0) + c.nics.size() + c.shares.size();
    if (nvirtio > virtio_irqs.size())
        return error(std::to_string(nvirtio) + " virtio devices (at most " + std::to_string(virtio_irqs.size()) + ")");
    return {};
}

Result<devices::EventFdIrq*> add_irq(Machine::Impl& m, unsigned gsi) {
    auto irq = std::make_unique<devices::EventFdIrq>(STRATA_TRY(devices::EventFdIrq::create(gsi)));
    STRATA_TRY(m.vm->add_irqfd(irq->fd(), gsi));
    m.irqs.push_back(std::move(irq));
    return m.irqs.back().get();
}

// Feeds host input (stdin) into the UART, pausing while its queue is full.
Result<> wire_serial_input(Machine::Impl& m, int fd) {
    Machine::Impl* mp = &m;
    auto r = m.loop->add(fd, EPOLLIN, [mp, fd](uint32_t) {
        std::array<uint8_t, 256> buf;
        const size_t space = std::min(buf.size(), mp->serial->input_space());
        if (space == 0) {
            mp->serial_paused = true;
            (void)mp->loop->set_events(fd, 0);
            return;
        }
        auto n = sys::read_some(fd, {buf.data(), space}, "serial input");
        if (!n || *n == 0) {
            mp->serial_eof = true;
            (void)mp->loop->set_events(fd, 0);
            return;
        }
        mp->serial->push_input({buf.data(), *n});
    }, "serial input");
    if (!r && r.error().code == EPERM) {
        // epoll cannot watch regular files or /dev/null; such input is simply not offered.
        log::debug("vmm: serial input fd " + std::to_string(fd) + " cannot be polled; ignoring it");
        return {};
    }
    STRATA_TRY(std::move(r));
    m.serial->on_input_drained([mp, fd] {
        if (mp->serial_paused.exchange(false) && !mp->serial_eof) (void)mp->loop->set_events(fd, EPOLLIN);
    });
    return {};
}

Result<> add_legacy_devices(Machine::Impl& m) {
    devices::IrqLine* com1 = STRATA_TRY(add_irq(m, serial_irq));
    m.serial = std::make_unique<devices::Serial>(com1, m.config.serial_out, m.stopping);
    STRATA_TRY(m.pio.add(serial_port, 8, m.serial.get(), "serial"));
    if (m.config.serial_in >= 0) STRATA_TRY(wire_serial_input(m, m.config.serial_in));

    m.cmos = std::make_unique<devices::Cmos>();
    STRATA_TRY(m.pio.add(cmos_port, 2, m.cmos.get(), "cmos"));

    devices::IrqLine* kbd = STRATA_TRY(add_irq(m, kbd_irq));
    devices::IrqLine* aux = STRATA_TRY(add_irq(m, aux_irq));
    Machine::Impl* mp = &m;
    m.i8042 = std::make_unique<devices::I8042>([mp] { mp->request_exit(ExitReason::reset); }, kbd, aux);
    STRATA_TRY(m.pio.add(devices::I8042::base, devices::I8042::size, m.i8042.get(), "i8042"));
    return {};
}

// Puts `dev` on the MMIO bus at the next window with the next IRQ, binds an ioeventfd per queue
// and describes it for the command line.
Result<> add_virtio(Machine::Impl& m, std::unique_ptr<virtio::VirtioDevice> dev, std::string name,
                    std::vector<boot::MmioDeviceDesc>& descs) {
    const size_t n = m.virtio.size();
    const uint64_t base = layout::virtio_mmio_base + n * layout::virtio_mmio_stride;
    const unsigned gsi = virtio_irqs[n];
    devices::IrqLine* irq = STRATA_TRY(add_irq(m, gsi));
    auto transport = std::make_unique<virtio::MmioTransport>(std::move(dev), m.memory, irq, name);
    virtio::MmioTransport* t = transport.get();
    STRATA_TRY(m.mmio.add(base, virtio::mmio_window, t, name));
    for (uint16_t q = 0; q < t->num_queues(); ++q) {
        UniqueFd fd = STRATA_TRY(sys::eventfd(name + " queue " + std::to_string(q)));
        STRATA_TRY(m.vm->add_ioeventfd(fd.get(), base + virtio::mmio_queue_notify, 4, q, false));
        const int raw = fd.get();
        STRATA_TRY(m.loop->add(raw, EPOLLIN, [t, q, raw](uint32_t) {
            if (sys::eventfd_drain(raw)) t->notify(q);
        }, name + " queue " + std::to_string(q)));
        m.notify_fds.push_back(std::move(fd));
    }
    m.virtio.push_back(std::move(transport));
    descs.push_back({base, virtio::mmio_window, gsi});
    return {};
}

Result<std::vector<boot::MmioDeviceDesc>> add_virtio_devices(Machine::Impl& m) {
    std::vector<boot::MmioDeviceDesc> descs;
    for (size_t i = 0; i < m.config.disks.size(); ++i) {
        const auto& d = m.config.disks[i];
        auto blk = STRATA_TRY(with_context(virtio::Block::open(d.path, d.read_only), "disk " + std::to_string(i)));
        STRATA_TRY(add_virtio(m, std::move(blk), "virtio-blk " + std::to_string(i), descs));
    }
    if (m.config.console_fd >= 0) {
        auto con = STRATA_TRY(virtio::Console::create(m.config.console_fd, *m.loop));
        STRATA_TRY(add_virtio(m, std::move(con), "virtio-console", descs));
    }
    for (size_t i = 0; i < m.config.nics.size(); ++i) {
        NicConfig nic = m.config.nics[i];
        if (nic.mac == MacAddress{}) nic.mac = random_mac();
        const std::string name = "nic " + std::to_string(i);
        auto net = STRATA_TRY(with_context(virtio::Net::create(nic, *m.loop), name));
        STRATA_TRY(add_virtio(m, std::move(net), "virtio-net " + std::to_string(i), descs));
    }
    for (size_t i = 0; i < m.config.shares.size(); ++i) {
        const auto& sh = m.config.shares[i];
        auto dev = STRATA_TRY(with_context(virtio::NineP::create(sh.dir, sh.tag), "share " + std::to_string(i)));
        STRATA_TRY(add_virtio(m, std::move(dev), "virtio-9p " + std::to_string(i), descs));
    }
    return descs;
}

// Kernel, initrd, command line, and the boot data the entry mode expects.
Result<boot::LoadedKernel> load_guest(Machine::Impl& m, const std::vector<boot::MmioDeviceDesc>& descs) {
    const GuestMemory& mem = m.memory;
    boot::LoadedKernel k = STRATA_TRY(boot::load_kernel(mem, m.config.kernel));
    m.kernel_format = k.format;
    m.cmdline = boot::build_cmdline(m.config.cmdline, descs);
    STRATA_TRY(boot::check_cmdline(m.cmdline, std::min<uint64_t>(k.cmdline_limit, layout::cmdline_max - 1)));
    STRATA_TRY(mem.write(layout::cmdline, {reinterpret_cast<const uint8_t*>(m.cmdline.c_str()), m.cmdline.size() + 1}));

    boot::InitrdLoad initrd;
    if (!m.config.initrd.empty())
        initrd = STRATA_TRY(boot::load_initrd(mem, m.config.initrd, k.end, k.initrd_addr_max));

    const uint64_t ram = uint64_t{m.config.mem_mib} * layout::MiB;
    const auto e820 = x86::build_e820(ram);
    if (k.mode == x86::EntryMode::long64) {
        x86::ZeroPageParams zp;
        zp.setup_header = k.setup_header;
        zp.cmdline_gpa = layout::cmdline;
        zp.cmdline_size = static_cast<uint32_t>(m.cmdline.size());
        zp.initrd_gpa = initrd.gpa;
        zp.initrd_size = initrd.size;
        zp.e820 = e820;
        boot_params bp = STRATA_TRY(x86::build_zero_page(zp));
        STRATA_TRY(mem.write_obj(layout::zero_page, bp));
    } else {
        boot::PvhParams pp;
        pp.cmdline_gpa = layout::cmdline;
        pp.initrd_gpa = initrd.gpa;
        pp.initrd_size = initrd.size;
        pp.e820 = e820;
        STRATA_TRY(mem.write(layout::pvh_start_info, boot::build_pvh_start_info(pp, layout::pvh_start_info)));
    }

    auto mptable = STRATA_TRY(x86::build_mptable(m.config.vcpus, layout::mptable));
    STRATA_TRY(mem.write(layout::mptable, mptable));
    const auto gdt = x86::boot_gdt();
    STRATA_TRY(mem.write(layout::gdt, {reinterpret_cast<const uint8_t*>(gdt.data()), sizeof gdt}));
    const auto tables = x86::identity_page_tables(layout::pml4);
    STRATA_TRY(mem.write(layout::pml4, {reinterpret_cast<const uint8_t*>(tables.data()), tables.size() * 8}));
    return k;
}

Result<> create_vcpus(Machine::Impl& m, const boot::LoadedKernel& k) {
    const auto supported = STRATA_TRY(m.kvm->supported_cpuid());
    const size_t mmap_size = STRATA_TRY(m.kvm->vcpu_mmap_size());
    for (uint32_t i = 0; i < m.config.vcpus; ++i) {
        kvm::Vcpu vcpu = STRATA_TRY(m.vm->create_vcpu(i, mmap_size));
        auto cpuid = supported;
        x86::adjust_cpuid(cpuid, i, m.config.vcpus);
        STRATA_TRY(vcpu.set_cpuid(cpuid));
        STRATA_TRY(vcpu.set_msrs(x86::boot_msrs()));
        STRATA_TRY(vcpu.set_fpu(x86::boot_fpu()));
        kvm_lapic_state lapic = STRATA_TRY(vcpu.lapic());
        x86::set_virtual_wire(lapic, i == 0);
        STRATA_TRY(vcpu.set_lapic(lapic));
        // Application processors stay in wait-for-SIPI (KVM's default for them with an in-kernel
        // LAPIC) until the kernel starts them.
        if (i == 0) {
            kvm_sregs sregs = STRATA_TRY(vcpu.sregs());
            x86::set_boot_sregs(sregs, k.mode);
            STRATA_TRY(vcpu.set_sregs(sregs));
            const uint64_t info = k.mode == x86::EntryMode::long64 ? layout::zero_page : layout::pvh_start_info;
            STRATA_TRY(vcpu.set_regs(x86::boot_regs(k.mode, k.entry, info)));
        }
        m.vcpus.push_back(std::move(vcpu));
    }
    return {};
}

Result<std::unique_ptr<Machine::Impl>> build(const MachineConfig& config) {
    STRATA_TRY(check_config(config));
    static std::once_flag kick_once;
    Result<> kick{};
    std::call_once(kick_once, [&] { kick = sys::install_noop_handler(kick_signal()); });
    STRATA_TRY(std::move(kick));

    auto m = std::make_unique<Machine::Impl>();
    m->config = config;

    // kvm. Several of these ioctls wait for SRCU grace periods, which cost milliseconds here when
    // they come back to back; the order below (memory before the interrupt controllers, the PIT
    // last) is the cheapest measured on PVM.
    m->kvm = STRATA_TRY(kvm::System::open());
    m->vm = STRATA_TRY(m->kvm->create_vm());
    STRATA_TRY(m->vm->set_identity_map_addr(layout::identity_map));
    STRATA_TRY(m->vm->set_tss_addr(layout::tss));

    // memory
    m->memory = STRATA_TRY(GuestMemory::create(uint64_t{config.mem_mib} * layout::MiB));
    uint32_t slot = 0;
    for (const auto& r : m->memory.regions()) STRATA_TRY(m->vm->set_memory_region(slot++, r.gpa, r.size, r.host));
    STRATA_TRY(m->vm->create_irqchip());

    // devices
    m->loop = STRATA_TRY(devices::EventLoop::create());
    STRATA_TRY(add_legacy_devices(*m));
    auto descs = STRATA_TRY(add_virtio_devices(*m));

    // kernel
    boot::LoadedKernel k = STRATA_TRY(load_guest(*m, descs));

    if (config.pit) {
        STRATA_TRY(m->vm->create_pit2());
        // Lost ticks are dropped, not replayed (QEMU's lost_tick_policy=discard): kvm-clock guests
        // keep time without counting PIT ticks. It also makes VM teardown ~15 ms cheaper: with
        // reinjection on, KVM waits for a full SRCU grace period on its ack notifier at destroy,
        // while turning it off before the guest ran is nearly free — unless an interrupt-routing
        // update just finished (KVM_CREATE_IRQCHIP), hence doing it here, well after that one.
        if (!config.pit_reinject) STRATA_TRY(m->vm->set_pit_reinject(false));
    }

    // vcpus
    STRATA_TRY(create_vcpus(*m, k));
    return m;
}

}  // namespace

Result<std::unique_ptr<Machine>> Machine::create(const MachineConfig& config) {
    auto impl = STRATA_TRY(with_context(build(config), "vmm"));
    return std::unique_ptr<Machine>(new Machine(std::move(impl)));
}

}  // namespace strata::vmm
