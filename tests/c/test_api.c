/*
 * C consumer test of the radscore C API (C99, -Wall -Wextra -Werror -pedantic).
 *
 * Covers every exported function, its NULL/invalid-argument paths, the ownership rules
 * (free(NULL), outputs untouched on failure), progress and cancellation, and 8 threads
 * extracting concurrently with results identical to a single thread.
 *
 * Usage: test_api [IMAGE MASK]   (files are optional: with them, file reading is tested too)
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "radscore.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                              \
    do {                                                                         \
        ++checks;                                                                \
        if (!(cond)) {                                                           \
            ++failures;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

/* The last error message of this thread (static buffer, for checks). */
static const char *last_error(void) {
    static char buf[1024];
    radscore_last_error(buf, sizeof buf);
    return buf;
}

/* A 24x20x8 int16 image with structure and a blob ROI (label 1) and a second label 2. */
enum { NX = 24, NY = 20, NZ = 8 };
static int16_t image_buf[NZ][NY][NX];
static uint8_t mask_buf[NZ][NY][NX];
static const size_t dims[3] = {NZ, NY, NX};
static const double spacing[3] = {0.8, 0.8, 2.0};
static const double origin[3] = {-10.0, 5.0, 40.0};
static const double direction[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};

static void make_volume(void) {
    int x, y, z;
    for (z = 0; z < NZ; ++z)
        for (y = 0; y < NY; ++y)
            for (x = 0; x < NX; ++x) {
                double dx = (x - 11.5) / 7.0, dy = (y - 9.5) / 6.0, dz = (z - 3.5) / 2.5;
                image_buf[z][y][x] = (int16_t)(40 + 3 * ((x * 7 + y * 13 + z * 5) % 23) - (x * y) % 17);
                mask_buf[z][y][x] = (uint8_t)(dx * dx + dy * dy + dz * dz <= 1.0 ? 1 : 0);
                if (x == 1 && y >= 1 && y <= 3 && z >= 2 && z <= 3) mask_buf[z][y][x] = 2;
            }
}

static radscore_image *new_image(void) {
    radscore_image *img = NULL;
    CHECK(radscore_image_from_buffer(image_buf, sizeof image_buf, RADSCORE_PIXEL_TYPE_INT16, dims, spacing, origin,
                                     direction, &img) == RADSCORE_STATUS_OK);
    return img;
}

static radscore_mask *new_mask(void) {
    radscore_mask *m = NULL;
    CHECK(radscore_mask_from_buffer(mask_buf, sizeof mask_buf, RADSCORE_PIXEL_TYPE_UINT8, dims, spacing, origin,
                                    direction, &m) == RADSCORE_STATUS_OK);
    return m;
}

static void test_version(void) {
    CHECK(radscore_abi_version() == RADSCORE_ABI_VERSION);
    CHECK(radscore_version() != NULL && strlen(radscore_version()) > 0);
    CHECK(strcmp(radscore_status_str(RADSCORE_STATUS_OK), "ok") == 0);
    CHECK(strlen(radscore_status_str(12345)) > 0);
    CHECK(strlen(radscore_status_str(RADSCORE_STATUS_PANIC)) > 0);
}

static void test_last_error(void) {
    radscore_settings *s = (radscore_settings *)0x1; /* must stay untouched on failure */
    char small[8];
    size_t need;
    CHECK(radscore_settings_from_preset("no-such-preset", &s) == RADSCORE_STATUS_SETTING);
    CHECK(s == (radscore_settings *)0x1);
    need = radscore_last_error(NULL, 0);
    CHECK(need > 0);
    CHECK(radscore_last_error(small, sizeof small) == need);
    CHECK(strlen(small) == sizeof small - 1);
    CHECK(strstr(last_error(), "no-such-preset") != NULL);
    /* A successful call clears it. */
    CHECK(radscore_settings_new(&s) == RADSCORE_STATUS_OK);
    CHECK(radscore_last_error(NULL, 0) == 0);
    radscore_settings_free(s);
}

static void test_settings(void) {
    radscore_settings *s = NULL;
    const double sp[3] = {1.0, 1.0, 1.0};
    const double bad_sp[3] = {1.0, -1.0, 1.0};
    CHECK(radscore_settings_new(NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_from_preset(NULL, &s) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_from_preset("surufatinib", NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_from_string(NULL, &s) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_from_string("setting:\n  binWidht: 25\n", &s) == RADSCORE_STATUS_SETTING);
    CHECK(strstr(last_error(), "binWidht") != NULL);
    CHECK(radscore_settings_from_file(NULL, &s) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_from_file("/nonexistent/params.yaml", &s) == RADSCORE_STATUS_IO);
    CHECK(strstr(last_error(), "/nonexistent/params.yaml") != NULL);

    CHECK(radscore_settings_from_string("{\"setting\": {\"binWidth\": 10}}", &s) == RADSCORE_STATUS_OK);
    radscore_settings_free(s);
    CHECK(radscore_settings_from_preset("surufatinib", &s) == RADSCORE_STATUS_OK);
    radscore_settings_free(s);

    CHECK(radscore_settings_new(&s) == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_set(NULL, "binWidth", "10") == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_set(s, NULL, "10") == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_set(s, "binWidth", NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_set(s, "binWidth", "not json") == RADSCORE_STATUS_SETTING);
    CHECK(radscore_settings_set(s, "binWidht", "10") == RADSCORE_STATUS_SETTING);
    CHECK(radscore_settings_set(s, "distances", "[1, 2]") == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_set(s, "distances", "[1]") == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_set_bin_width(NULL, 25) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_set_bin_width(s, -1) == RADSCORE_STATUS_SETTING);
    CHECK(radscore_settings_set_bin_width(s, NAN) == RADSCORE_STATUS_SETTING);
    CHECK(radscore_settings_set_bin_width(s, 25) == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_set_bin_count(NULL, 16) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_set_bin_count(s, 16) == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_set_bin_count(s, 0) == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_set_label(NULL, 1) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_set_label(s, 0) == RADSCORE_STATUS_SETTING);
    CHECK(radscore_settings_set_label(s, 1) == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_set_resampling(NULL, sp, NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_set_resampling(s, bad_sp, NULL) == RADSCORE_STATUS_SETTING);
    CHECK(radscore_settings_set_resampling(s, sp, "sitkCubic") == RADSCORE_STATUS_SETTING);
    CHECK(strstr(last_error(), "sitkCubic") != NULL);
    CHECK(radscore_settings_set_resampling(s, sp, "sitkLinear") == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_set_resampling(s, NULL, NULL) == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_set_image_type(NULL, "Original", 1) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_set_image_type(s, NULL, 1) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_set_image_type(s, "Wavlet", 1) == RADSCORE_STATUS_SETTING);
    CHECK(radscore_settings_set_image_type(s, "Original", 1) == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_set_threads(NULL, 2) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_settings_set_threads(s, 2) == RADSCORE_STATUS_OK);
    radscore_settings_free(s);
    radscore_settings_free(NULL);
}

static void test_buffers(void) {
    radscore_image *img = (radscore_image *)0x1;
    radscore_mask *m = (radscore_mask *)0x1;
    const size_t zero_dims[3] = {0, NY, NX};
    const double bad_spacing[3] = {0.8, 0.0, 2.0};
    const double singular[9] = {1, 0, 0, 1, 0, 0, 0, 0, 1};
    float fbuf[NZ * NY * NX];
    CHECK(radscore_image_from_buffer(NULL, sizeof image_buf, RADSCORE_PIXEL_TYPE_INT16, dims, spacing, NULL, NULL,
                                     &img) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_image_from_buffer(image_buf, sizeof image_buf, RADSCORE_PIXEL_TYPE_INT16, NULL, spacing, NULL,
                                     NULL, &img) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_image_from_buffer(image_buf, sizeof image_buf, RADSCORE_PIXEL_TYPE_INT16, dims, NULL, NULL, NULL,
                                     &img) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_image_from_buffer(image_buf, sizeof image_buf, RADSCORE_PIXEL_TYPE_INT16, dims, spacing, NULL,
                                     NULL, NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_image_from_buffer(image_buf, sizeof image_buf - 2, RADSCORE_PIXEL_TYPE_INT16, dims, spacing, NULL,
                                     NULL, &img) == RADSCORE_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(last_error(), "bytes") != NULL);
    CHECK(radscore_image_from_buffer(image_buf, sizeof image_buf, 77, dims, spacing, NULL, NULL, &img) ==
          RADSCORE_STATUS_INVALID_ARGUMENT);
    CHECK(radscore_image_from_buffer(image_buf, sizeof image_buf, RADSCORE_PIXEL_TYPE_INT16, zero_dims, spacing, NULL,
                                     NULL, &img) == RADSCORE_STATUS_INVALID_ARGUMENT);
    CHECK(radscore_image_from_buffer(image_buf, sizeof image_buf, RADSCORE_PIXEL_TYPE_INT16, dims, bad_spacing, NULL,
                                     NULL, &img) == RADSCORE_STATUS_INVALID_ARGUMENT);
    CHECK(radscore_image_from_buffer(image_buf, sizeof image_buf, RADSCORE_PIXEL_TYPE_INT16, dims, spacing, NULL,
                                     singular, &img) == RADSCORE_STATUS_INVALID_ARGUMENT);
    CHECK(img == (radscore_image *)0x1);
    CHECK(radscore_image_from_buffer(fbuf, sizeof fbuf, RADSCORE_PIXEL_TYPE_FLOAT32, dims, spacing, NULL, NULL, &img) ==
          RADSCORE_STATUS_OK);
    radscore_image_free(img);
    radscore_image_free(NULL);

    CHECK(radscore_mask_from_buffer(NULL, sizeof mask_buf, RADSCORE_PIXEL_TYPE_UINT8, dims, spacing, NULL, NULL, &m) ==
          RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_mask_from_buffer(mask_buf, sizeof mask_buf + 1, RADSCORE_PIXEL_TYPE_UINT8, dims, spacing, NULL,
                                    NULL, &m) == RADSCORE_STATUS_INVALID_ARGUMENT);
    CHECK(radscore_mask_from_buffer(fbuf, sizeof fbuf, RADSCORE_PIXEL_TYPE_FLOAT32, dims, spacing, NULL, NULL, &m) ==
          RADSCORE_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(last_error(), "integer") != NULL);
    CHECK(radscore_mask_from_buffer(mask_buf, sizeof mask_buf, RADSCORE_PIXEL_TYPE_UINT8, dims, spacing, NULL, NULL,
                                    NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(m == (radscore_mask *)0x1);
    radscore_mask_free(NULL);

    CHECK(radscore_image_read(NULL, &img) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_image_read("/nonexistent/ct.nrrd", &img) == RADSCORE_STATUS_IO);
    CHECK(strstr(last_error(), "/nonexistent/ct.nrrd") != NULL);
    CHECK(radscore_image_read("ct.dcm", &img) == RADSCORE_STATUS_UNSUPPORTED);
    CHECK(radscore_image_read("/nonexistent/ct.nrrd", NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_mask_read(NULL, NULL, &m) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_mask_read("/nonexistent/mask.nrrd", NULL, &m) == RADSCORE_STATUS_IO);
    CHECK(radscore_mask_read("/nonexistent/mask.nrrd", NULL, NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
}

static int progress_calls = 0;
static int on_progress(double fraction, const char *stage, void *user) {
    (void)user;
    CHECK(fraction > 0.0 && fraction <= 1.0);
    CHECK(stage != NULL);
    ++progress_calls;
    return 0;
}
static int cancel_now(double fraction, const char *stage, void *user) {
    (void)fraction;
    (void)stage;
    ++*(int *)user;
    return 1;
}

static void test_extract_and_result(void) {
    radscore_settings *s = NULL;
    radscore_image *img = new_image();
    radscore_mask *m = new_mask();
    radscore_result *r = NULL;
    size_t n, i, json_len;
    double v = -1.0, v2;
    char *json;
    int cancels = 0;

    CHECK(radscore_settings_new(&s) == RADSCORE_STATUS_OK);
    CHECK(radscore_extract(NULL, img, m, NULL, NULL, &r) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_extract(s, NULL, m, NULL, NULL, &r) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_extract(s, img, NULL, NULL, NULL, &r) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_extract(s, img, m, NULL, NULL, NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    /* A handle of the wrong type is detected, not dereferenced as something else. */
    CHECK(radscore_extract(s, (const radscore_image *)m, m, NULL, NULL, &r) == RADSCORE_STATUS_INVALID_HANDLE);
    CHECK(r == NULL);

    CHECK(radscore_extract(s, img, m, on_progress, NULL, &r) == RADSCORE_STATUS_OK);
    CHECK(progress_calls >= 3);
    if (r == NULL) { /* nothing more can be checked without a result */
        fprintf(stderr, "extraction failed: %s\n", last_error());
        radscore_settings_free(s);
        radscore_image_free(img);
        radscore_mask_free(m);
        return;
    }
    n = radscore_result_count(r);
    CHECK(n == 107);
    CHECK(strcmp(radscore_result_key(r, 0), "original_shape_Elongation") == 0);
    CHECK(radscore_result_key(r, n) == NULL);
    CHECK(radscore_result_key(NULL, 0) == NULL);
    CHECK(radscore_result_count(NULL) == 0);
    for (i = 0; i < n; ++i) {
        CHECK(radscore_result_value(r, i, &v) == RADSCORE_STATUS_OK);
        CHECK(radscore_result_get(r, radscore_result_key(r, i), &v2) == RADSCORE_STATUS_OK);
        CHECK(memcmp(&v, &v2, sizeof v) == 0);
    }
    v = 123.0;
    CHECK(radscore_result_value(r, n, &v) == RADSCORE_STATUS_NOT_FOUND);
    CHECK(v == 123.0);
    CHECK(radscore_result_value(r, 0, NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_result_value(NULL, 0, &v) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_result_get(r, "original_glcm_Nope", &v) == RADSCORE_STATUS_NOT_FOUND);
    CHECK(strstr(last_error(), "original_glcm_Nope") != NULL);
    CHECK(radscore_result_get(r, NULL, &v) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_result_get(NULL, "x", &v) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_result_get(r, "original_firstorder_Mean", NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_result_get(r, "original_shape_VoxelVolume", &v) == RADSCORE_STATUS_OK);

    json_len = radscore_result_json(r, NULL, 0);
    CHECK(json_len > 100);
    json = (char *)malloc(json_len + 1);
    CHECK(radscore_result_json(r, json, json_len + 1) == json_len);
    CHECK(json[0] == '{' && json[json_len - 1] == '}' && json[json_len] == '\0');
    CHECK(strstr(json, "\"original_firstorder_Mean\":") != NULL);
    free(json);
    CHECK(radscore_result_json(NULL, NULL, 0) == 0);
    radscore_result_free(r);
    radscore_result_free(NULL);

    /* Label 2 (a 1x3x2 column at the border) and an absent label. */
    CHECK(radscore_settings_set_label(s, 2) == RADSCORE_STATUS_OK);
    r = NULL;
    CHECK(radscore_extract(s, img, m, NULL, NULL, &r) == RADSCORE_STATUS_OK);
    radscore_result_free(r);
    CHECK(radscore_settings_set_label(s, 9) == RADSCORE_STATUS_OK);
    r = NULL;
    CHECK(radscore_extract(s, img, m, NULL, NULL, &r) == RADSCORE_STATUS_LABEL_ABSENT);
    CHECK(strstr(last_error(), "labels present: 1, 2") != NULL);
    CHECK(r == NULL);
    CHECK(radscore_settings_set_label(s, 1) == RADSCORE_STATUS_OK);

    /* Cancellation from the callback. */
    CHECK(radscore_extract(s, img, m, cancel_now, &cancels, &r) == RADSCORE_STATUS_CANCELLED);
    CHECK(cancels == 1);
    CHECK(r == NULL);

    radscore_settings_free(s);
    radscore_image_free(img);
    radscore_mask_free(m);
}

static void test_bad_volumes(void) {
    radscore_settings *s = NULL;
    radscore_image *img = NULL;
    radscore_mask *m = NULL;
    radscore_result *r = NULL;
    static uint8_t empty[NZ][NY][NX];
    static uint8_t one[NZ][NY][NX];
    static double nan_image[NZ][NY][NX];
    const double shifted[3] = {-9.0, 5.0, 40.0};
    CHECK(radscore_settings_new(&s) == RADSCORE_STATUS_OK);
    img = new_image();

    CHECK(radscore_mask_from_buffer(empty, sizeof empty, RADSCORE_PIXEL_TYPE_UINT8, dims, spacing, origin, direction,
                                    &m) == RADSCORE_STATUS_OK);
    CHECK(radscore_extract(s, img, m, NULL, NULL, &r) == RADSCORE_STATUS_LABEL_ABSENT);
    CHECK(strstr(last_error(), "empty") != NULL);
    radscore_mask_free(m);

    one[3][4][5] = 1;
    CHECK(radscore_mask_from_buffer(one, sizeof one, RADSCORE_PIXEL_TYPE_UINT8, dims, spacing, origin, direction, &m) ==
          RADSCORE_STATUS_OK);
    CHECK(radscore_extract(s, img, m, NULL, NULL, &r) == RADSCORE_STATUS_ROI_TOO_SMALL);
    radscore_mask_free(m);

    CHECK(radscore_mask_from_buffer(mask_buf, sizeof mask_buf, RADSCORE_PIXEL_TYPE_UINT8, dims, spacing, shifted,
                                    direction, &m) == RADSCORE_STATUS_OK);
    CHECK(radscore_extract(s, img, m, NULL, NULL, &r) == RADSCORE_STATUS_GEOMETRY_MISMATCH);
    CHECK(strstr(last_error(), "origin") != NULL);
    radscore_mask_free(m);
    radscore_image_free(img);

    nan_image[1][1][1] = NAN;
    CHECK(radscore_image_from_buffer(nan_image, sizeof nan_image, RADSCORE_PIXEL_TYPE_FLOAT64, dims, spacing, origin,
                                     direction, &img) == RADSCORE_STATUS_OK);
    m = new_mask();
    CHECK(radscore_extract(s, img, m, NULL, NULL, &r) == RADSCORE_STATUS_NON_FINITE);
    CHECK(r == NULL);
    radscore_mask_free(m);
    radscore_image_free(img);
    radscore_settings_free(s);
}

/* A small complete model: Radscore from two original features, fusion with Ki67 and a binary. */
static const char *complete_model =
    "{\"format\": \"radscore-model\", \"format_version\": 1, \"id\": \"c-test\", \"title\": \"C test model\","
    " \"event\": {\"description\": \"non-response\", \"direction\": \"higher is worse\"},"
    " \"radscore\": {\"features\": ["
    "  {\"key\": \"original_firstorder_Mean\", \"coefficient\": 0.5, \"mean\": 40.0, \"sd\": 10.0},"
    "  {\"key\": \"original_glcm_Contrast\", \"coefficient\": -0.25, \"mean\": 3.0, \"sd\": 2.0}],"
    "  \"intercept\": 0.1},"
    " \"fusion\": {\"intercept\": -1.5, \"predictors\": ["
    "  {\"name\": \"radscore\", \"label\": \"Radscore\", \"kind\": \"radscore\", \"coefficient\": 2.0,"
    "   \"axis\": [-2, 0, 2, 4]},"
    "  {\"name\": \"ki67\", \"label\": \"Ki67\", \"kind\": \"continuous\", \"unit\": \"%\", \"min\": 0,"
    "   \"max\": 100, \"coefficient\": 0.03},"
    "  {\"name\": \"extrahepatic_metastasis\", \"label\": \"Extrahepatic\", \"kind\": \"binary\","
    "   \"levels\": [\"no\", \"yes\"], \"coefficient\": 1.2}]},"
    " \"provenance\": {\"source\": \"test\"}}";

static void test_model(void) {
    radscore_model *model = (radscore_model *)0x1;
    radscore_model *card = NULL;
    radscore_prediction *pred = (radscore_prediction *)0x1;
    radscore_settings *s = NULL;
    radscore_image *img = new_image();
    radscore_mask *m = new_mask();
    radscore_result *r = NULL;
    double mean = 0, contrast = 0, rs, lp, p;
    size_t n;
    char *json;

    CHECK(radscore_model_from_card(NULL, &model) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_model_from_card("front-oncol-2025", NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_model_from_card("no-such-card", &model) == RADSCORE_STATUS_MODEL);
    CHECK(radscore_model_from_string(NULL, &model) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_model_from_string("{\"format\": 1}", &model) == RADSCORE_STATUS_MODEL);
    CHECK(radscore_model_from_file(NULL, &model) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_model_from_file("/nonexistent/model.json", &model) == RADSCORE_STATUS_IO);
    CHECK(model == (radscore_model *)0x1);

    /* The published card loads but cannot predict: it says what to fit. */
    CHECK(radscore_model_from_card("front-oncol-2025", &card) == RADSCORE_STATUS_OK);
    CHECK(radscore_model_check_complete(card) == RADSCORE_STATUS_MODEL);
    CHECK(strstr(last_error(), "calibrate") != NULL);
    CHECK(radscore_model_predict_radscore(card, 1.0, NULL, &pred) == RADSCORE_STATUS_MODEL);
    n = radscore_model_json(card, NULL, 0);
    CHECK(n > 100);
    json = (char *)malloc(n + 1);
    CHECK(radscore_model_json(card, json, n + 1) == n);
    CHECK(strstr(json, "WaveletH_LLHH_RunVariance") != NULL);
    free(json);
    CHECK(radscore_model_json(NULL, NULL, 0) == 0);
    CHECK(radscore_model_check_complete(NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    radscore_model_free(card);
    radscore_model_free(NULL);

    CHECK(radscore_model_from_string(complete_model, &model) == RADSCORE_STATUS_OK);
    CHECK(radscore_model_check_complete(model) == RADSCORE_STATUS_OK);

    /* From a Radscore: logit = -1.5 + 2*rs + 0.03*ki67 + 1.2*[yes]. */
    pred = NULL;
    CHECK(radscore_model_predict_radscore(model, 0.8, "{\"ki67\": 20, \"extrahepatic_metastasis\": \"yes\"}",
                                          &pred) == RADSCORE_STATUS_OK);
    lp = -1.5 + 2.0 * 0.8 + 0.03 * 20 + 1.2;
    CHECK(fabs(radscore_prediction_probability(pred) - 1.0 / (1.0 + exp(-lp))) < 1e-12);
    CHECK(fabs(radscore_prediction_radscore(pred) - 0.8) < 1e-15);
    CHECK(radscore_prediction_total_points(pred) > 0.0);
    n = radscore_prediction_json(pred, NULL, 0);
    json = (char *)malloc(n + 1);
    CHECK(radscore_prediction_json(pred, json, n + 1) == n);
    CHECK(strstr(json, "\"probability\"") != NULL && strstr(json, "\"terms\"") != NULL);
    free(json);
    radscore_prediction_free(pred);
    radscore_prediction_free(NULL);
    CHECK(isnan(radscore_prediction_probability(NULL)));
    CHECK(isnan(radscore_prediction_radscore(NULL)));
    CHECK(isnan(radscore_prediction_total_points(NULL)));
    CHECK(radscore_prediction_json(NULL, NULL, 0) == 0);

    pred = (radscore_prediction *)0x1;
    CHECK(radscore_model_predict_radscore(model, 0.8, "{\"ki67\": 20}", &pred) == RADSCORE_STATUS_MODEL);
    CHECK(strstr(last_error(), "extrahepatic_metastasis") != NULL);
    CHECK(radscore_model_predict_radscore(model, 0.8, "{\"ki67\": 120, \"extrahepatic_metastasis\": 0}", &pred) ==
          RADSCORE_STATUS_MODEL);
    CHECK(strstr(last_error(), "ki67") != NULL);
    CHECK(radscore_model_predict_radscore(model, 0.8, "[1, 2]", &pred) == RADSCORE_STATUS_MODEL);
    CHECK(radscore_model_predict_radscore(model, NAN, NULL, &pred) == RADSCORE_STATUS_INVALID_ARGUMENT);
    CHECK(radscore_model_predict_radscore(NULL, 0.8, NULL, &pred) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(radscore_model_predict_radscore(model, 0.8, NULL, NULL) == RADSCORE_STATUS_NULL_ARGUMENT);
    CHECK(pred == (radscore_prediction *)0x1);

    /* From extracted features: the Radscore equals its formula on the result's values. */
    CHECK(radscore_settings_new(&s) == RADSCORE_STATUS_OK);
    CHECK(radscore_extract(s, img, m, NULL, NULL, &r) == RADSCORE_STATUS_OK);
    if (r != NULL) {
        CHECK(radscore_result_get(r, "original_firstorder_Mean", &mean) == RADSCORE_STATUS_OK);
        CHECK(radscore_result_get(r, "original_glcm_Contrast", &contrast) == RADSCORE_STATUS_OK);
        pred = NULL;
        CHECK(radscore_model_predict(model, r, "{\"ki67\": 35, \"extrahepatic_metastasis\": \"no\"}", &pred) ==
              RADSCORE_STATUS_OK);
        rs = 0.1 + 0.5 * (mean - 40.0) / 10.0 - 0.25 * (contrast - 3.0) / 2.0;
        p = 1.0 / (1.0 + exp(-(-1.5 + 2.0 * rs + 0.03 * 35)));
        CHECK(fabs(radscore_prediction_radscore(pred) - rs) < 1e-12);
        CHECK(fabs(radscore_prediction_probability(pred) - p) < 1e-12);
        radscore_prediction_free(pred);
        CHECK(radscore_model_predict(model, NULL, NULL, &pred) == RADSCORE_STATUS_NULL_ARGUMENT);
        radscore_result_free(r);
    }
    radscore_settings_free(s);
    radscore_image_free(img);
    radscore_mask_free(m);
    radscore_model_free(model);
}

/* 8 threads share the settings, image and mask (read-only) and must agree with 1 thread, bit
 * for bit: half of them on the shared pool (threads 0), half with 2 threads each, which builds
 * each calling thread's own pool on its first call and reuses it on its second. */
struct job {
    const radscore_settings *s;
    const radscore_image *img;
    const radscore_mask *m;
    radscore_result *r[2];
    int status[2];
};

static void *run_job(void *arg) {
    struct job *j = (struct job *)arg;
    int k;
    for (k = 0; k < 2; ++k) {
        j->status[k] = radscore_extract(j->s, j->img, j->m, NULL, NULL, &j->r[k]);
    }
    return NULL;
}

static void test_threads(void) {
    radscore_settings *s = NULL;
    radscore_settings *s1 = NULL;
    radscore_settings *s2 = NULL;
    radscore_image *img = new_image();
    radscore_mask *m = new_mask();
    radscore_result *single = NULL;
    struct job jobs[8];
    pthread_t threads[8];
    size_t t, i, n, k;
    CHECK(radscore_settings_new(&s) == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_new(&s1) == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_new(&s2) == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_set_threads(s1, 1) == RADSCORE_STATUS_OK);
    CHECK(radscore_settings_set_threads(s2, 2) == RADSCORE_STATUS_OK);
    CHECK(radscore_extract(s1, img, m, NULL, NULL, &single) == RADSCORE_STATUS_OK);
    if (single == NULL) {
        radscore_settings_free(s);
        radscore_settings_free(s1);
        radscore_settings_free(s2);
        radscore_image_free(img);
        radscore_mask_free(m);
        return;
    }
    for (t = 0; t < 8; ++t) {
        jobs[t].s = t % 2 ? s2 : s;
        jobs[t].img = img;
        jobs[t].m = m;
        for (k = 0; k < 2; ++k) {
            jobs[t].r[k] = NULL;
            jobs[t].status[k] = -1;
        }
        CHECK(pthread_create(&threads[t], NULL, run_job, &jobs[t]) == 0);
    }
    for (t = 0; t < 8; ++t) {
        pthread_join(threads[t], NULL);
        for (k = 0; k < 2; ++k) {
            CHECK(jobs[t].status[k] == RADSCORE_STATUS_OK);
            n = radscore_result_count(jobs[t].r[k]);
            CHECK(n == radscore_result_count(single));
            for (i = 0; i < n && n == radscore_result_count(single); ++i) {
                double a = 0, b = 0;
                radscore_result_value(jobs[t].r[k], i, &a);
                radscore_result_value(single, i, &b);
                CHECK(memcmp(&a, &b, sizeof a) == 0);
                CHECK(strcmp(radscore_result_key(jobs[t].r[k], i), radscore_result_key(single, i)) == 0);
            }
            radscore_result_free(jobs[t].r[k]);
        }
    }
    radscore_result_free(single);
    radscore_settings_free(s);
    radscore_settings_free(s1);
    radscore_settings_free(s2);
    radscore_image_free(img);
    radscore_mask_free(m);
}

static void test_files(const char *image_path, const char *mask_path) {
    radscore_settings *s = NULL;
    radscore_image *img = NULL;
    radscore_mask *m = NULL;
    radscore_result *r = NULL;
    CHECK(radscore_settings_new(&s) == RADSCORE_STATUS_OK);
    CHECK(radscore_image_read(image_path, &img) == RADSCORE_STATUS_OK);
    CHECK(radscore_mask_read(mask_path, NULL, &m) == RADSCORE_STATUS_OK);
    CHECK(radscore_extract(s, img, m, NULL, NULL, &r) == RADSCORE_STATUS_OK);
    CHECK(radscore_result_count(r) == 107);
    radscore_result_free(r);
    radscore_mask_free(m);
    radscore_image_free(img);
    radscore_settings_free(s);
}

int main(int argc, char **argv) {
    make_volume();
    test_version();
    test_last_error();
    test_settings();
    test_buffers();
    test_extract_and_result();
    test_bad_volumes();
    test_threads();
    test_model();
    if (argc == 3) test_files(argv[1], argv[2]);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
