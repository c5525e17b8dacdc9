#include "image/index.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "image/digest.h"
#include "image/reference.h"
#include "image/store.h"
#include "sys/file.h"

namespace strata::image {

using json = nlohmann::json;

Result<Index> Index::parse(std::string_view text, const std::string& where) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return error(where + ": corrupt index (not a JSON object)");
    Index idx;
    try {
        // Bound to locals: a range-for over items() of a temporary dangles before C++23's P2718.
        const json images = j.value("images", json::object());
        const json tags = j.value("tags", json::object());
        for (const auto& [key, v] : images.items()) {
            ImageRecord r;
            r.manifest = key;
            r.config = v.at("config").get<std::string>();
            r.diff_ids = v.at("layers").get<std::vector<std::string>>();
            r.created = v.value("created", std::string());
            r.size = v.value("size", int64_t{0});
            // Digests become paths: a corrupt index must not name a file outside the store.
            STRATA_TRY(check_digest(r.manifest, where + ": image"));
            STRATA_TRY(check_digest(r.config, where + ": config of " + key));
            for (const auto& d : r.diff_ids) STRATA_TRY(check_digest(d, where + ": layer of " + key));
            idx.m_images[key] = std::move(r);
        }
        for (const auto& [tag, v] : tags.items()) {
            std::string m = v.get<std::string>();
            if (idx.m_images.count(m)) idx.m_tags[tag] = m;
        }
    } catch (const json::exception& e) {
        return error(where + ": corrupt index: " + e.what());
    }
    return idx;
}

std::string Index::dump() const {
    json images = json::object();
    for (const auto& [k, r] : m_images)
        images[k] = {{"config", r.config}, {"layers", r.diff_ids}, {"created", r.created}, {"size", r.size}};
    return json{{"images", images}, {"tags", m_tags}}.dump(1) + "\n";
}

void Index::add(const ImageRecord& r, const std::vector<std::string>& names) {
    m_images[r.manifest] = r;
    for (const auto& n : names) m_tags[n] = r.manifest;
    // The same image (config) under another manifest — e.g. from a docker-archive and then an
    // oci-archive of it — is one image: an older record left without names goes.
    for (auto it = m_images.begin(); it != m_images.end();) {
        if (it->first != r.manifest && it->second.config == r.config && names_of(it->first).empty())
            it = m_images.erase(it);
        else
            ++it;
    }
}

std::string Index::find_tag(std::string_view ref) const {
    // As typed ("localhost:5000/bb:1"), then short names the way Podman resolves them locally.
    for (std::string_view reg : {"localhost", "docker.io"}) {
        auto r = parse_reference(ref, reg);
        if (r && r->digest.empty() && m_tags.count(r->str())) return r->str();
    }
    return "";
}

Result<const ImageRecord*> Index::find(std::string_view ref) const {
    if (valid_digest(ref)) {
        if (auto it = m_images.find(std::string(ref)); it != m_images.end()) return &it->second;
        for (const auto& [k, r] : m_images)
            if (r.config == ref) return &r;
    }
    if (std::string tag = find_tag(ref); !tag.empty()) return &m_images.at(m_tags.at(tag));
    if (auto at = ref.find('@'); at != std::string_view::npos) {
        std::string digest(ref.substr(at + 1));
        if (auto it = m_images.find(digest); it != m_images.end()) return &it->second;
    }
    if (looks_like_id(ref)) {
        std::string_view hex = ref.starts_with("sha256:") ? ref.substr(7) : ref;
        const ImageRecord* found = nullptr;
        for (const auto& [k, r] : m_images)
            if (r.id().starts_with(hex)) {
                if (found && found->config != r.config) return error("image ID prefix " + quote(ref) + " is ambiguous");
                found = &r;
            }
        if (found) return found;
    }
    return os_error(ENOENT, "image " + quote(ref) + " is not in the store");
}

std::vector<std::string> Index::names_of(const std::string& manifest) const {
    std::vector<std::string> out;
    for (const auto& [t, m] : m_tags)
        if (m == manifest) out.push_back(t);
    return out;
}

void Index::remove(const std::string& manifest) {
    m_images.erase(manifest);
    for (auto it = m_tags.begin(); it != m_tags.end();)
        it = it->second == manifest ? m_tags.erase(it) : std::next(it);
}

Result<Index> load_index(const Store& store) {
    auto text = sys::read_file_at(store.fd(), "index.json");
    if (!text) {
        if (text.error().code == ENOENT) return Index{};
        return std::unexpected(text.error());
    }
    return Index::parse(*text, store.root() + "/index.json");
}

Result<> save_index(const Store& store, const Index& index) {
    // Unlike runtime state (tmpfs), the index outlives reboots: fsync before the rename so a
    // crash leaves the old index or the new one, never an empty file.
    const std::string tmp = ".index.json.tmp";
    UniqueFd fd = STRATA_TRY(sys::openat(store.fd(), tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600));
    STRATA_TRY(sys::write_all(fd.get(), index.dump(), quote(tmp)));
    if (::fsync(fd.get()) < 0) return os_error(errno, "fsync " + quote(tmp));
    if (::renameat(store.fd(), tmp.c_str(), store.fd(), "index.json") < 0)
        return os_error(errno, "rename " + quote(tmp) + " to index.json");
    return {};
}

}  // namespace strata::image
