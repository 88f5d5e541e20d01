// radscore_features: the "imaging lab" use of the C API from C++.
//
// Reads an image and a mask, extracts the studies' preset (851 features: original +
// wavelet, 1 mm B-spline resampling, bin width 25) or the settings of a pyradiomics
// parameter file, and prints the features as CSV (`feature,value`, values with 17
// significant digits so they read back bit-identical).
//
// Usage: radscore_features IMAGE MASK [--param FILE | --preset NAME] [--label N] [--segment NAME]

#include <radscore.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// Owning wrappers: each handle is freed exactly once.
struct SettingsDeleter {
    void operator()(radscore_settings *p) const { radscore_settings_free(p); }
};
struct ImageDeleter {
    void operator()(radscore_image *p) const { radscore_image_free(p); }
};
struct MaskDeleter {
    void operator()(radscore_mask *p) const { radscore_mask_free(p); }
};
struct ResultDeleter {
    void operator()(radscore_result *p) const { radscore_result_free(p); }
};

// Turn a failed status into an exception carrying radscore's message.
void check(radscore_status status, const char *what) {
    if (status == RADSCORE_STATUS_OK) return;
    std::string message(radscore_last_error(nullptr, 0) + 1, '\0');
    radscore_last_error(&message[0], message.size());
    message.pop_back();
    throw std::runtime_error(std::string(what) + ": " + message + " [" + radscore_status_str(status) + "]");
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s IMAGE MASK [--param FILE | --preset NAME] [--label N] [--segment NAME]\n",
                     argv[0]);
        return 2;
    }
    if (radscore_abi_version() != RADSCORE_ABI_VERSION) {
        std::fprintf(stderr, "radscore library ABI %u does not match this program's header (%u)\n",
                     radscore_abi_version(), RADSCORE_ABI_VERSION);
        return 2;
    }
    std::string param, preset = "surufatinib", segment;
    long label = 0;
    for (int i = 3; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--param") param = argv[i + 1];
        else if (flag == "--preset") preset = argv[i + 1];
        else if (flag == "--label") label = std::strtol(argv[i + 1], nullptr, 10);
        else if (flag == "--segment") segment = argv[i + 1];
        else {
            std::fprintf(stderr, "unknown option %s\n", flag.c_str());
            return 2;
        }
    }
    try {
        radscore_settings *raw_settings = nullptr;
        if (!param.empty()) check(radscore_settings_from_file(param.c_str(), &raw_settings), "settings");
        else check(radscore_settings_from_preset(preset.c_str(), &raw_settings), "settings");
        std::unique_ptr<radscore_settings, SettingsDeleter> settings(raw_settings);
        if (label > 0) check(radscore_settings_set_label(settings.get(), static_cast<uint32_t>(label)), "label");

        radscore_image *raw_image = nullptr;
        check(radscore_image_read(argv[1], &raw_image), "image");
        std::unique_ptr<radscore_image, ImageDeleter> image(raw_image);
        radscore_mask *raw_mask = nullptr;
        check(radscore_mask_read(argv[2], segment.empty() ? nullptr : segment.c_str(), &raw_mask), "mask");
        std::unique_ptr<radscore_mask, MaskDeleter> mask(raw_mask);

        radscore_result *raw_result = nullptr;
        check(radscore_extract(settings.get(), image.get(), mask.get(), nullptr, nullptr, &raw_result), "extract");
        std::unique_ptr<radscore_result, ResultDeleter> result(raw_result);

        std::printf("feature,value\n");
        for (size_t i = 0, n = radscore_result_count(result.get()); i < n; ++i) {
            double value = 0.0;
            check(radscore_result_value(result.get(), i, &value), "value");
            std::printf("%s,%.17g\n", radscore_result_key(result.get(), i), value);
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "radscore_features: %s\n", e.what());
        return 1;
    }
    return 0;
}
