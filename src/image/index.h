#pragma once
// The image index (<data-root>/index.json): which images the store holds and the names that
// point at them. An image is keyed by its manifest digest; a tag ("registry/repo:tag") names
// exactly one image. The JSON half is pure; load/save go through the store.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace strata::image {

class Store;

struct ImageRecord {
    std::string manifest;  // digest of the manifest blob (the key)
    std::string config;    // digest of the config blob: the image ID
    std::vector<std::string> diff_ids;  // layers, base first
    std::string created;   // when the store got it (RFC 3339)
    int64_t size = 0;      // unpacked bytes of its layers

    std::string id() const { return config.substr(7); }
};

class Index {
public:
    static Result<Index> parse(std::string_view text, const std::string& where);
    std::string dump() const;

    // Adds or replaces the record; each name moves to this image (a tag names one image).
    void add(const ImageRecord& r, const std::vector<std::string>& names);
    // The image `ref` names: a tag (short names are tried under localhost/ and docker.io/),
    // name@digest, a manifest or config digest, or a unique prefix of an image ID.
    Result<const ImageRecord*> find(std::string_view ref) const;
    // The tag `ref` spells, if it spells one that exists.
    std::string find_tag(std::string_view ref) const;
    std::vector<std::string> names_of(const std::string& manifest) const;
    void remove_tag(const std::string& tag) { m_tags.erase(tag); }
    // Removes the image and every tag that points at it.
    void remove(const std::string& manifest);

    const std::map<std::string, ImageRecord>& images() const { return m_images; }
    const std::map<std::string, std::string>& tags() const { return m_tags; }

private:
    std::map<std::string, ImageRecord> m_images;  // manifest digest -> record
    std::map<std::string, std::string> m_tags;    // "localhost/busybox:latest" -> manifest digest
};

// index.json of the store; a missing file is an empty index. Callers that modify it hold the
// store's "index" lock between load and save.
Result<Index> load_index(const Store& store);
Result<> save_index(const Store& store, const Index& index);

}  // namespace strata::image
