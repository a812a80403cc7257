/*
 * touchline_frame.h -- Touchline sensor frame v1 for firmware: encode, decode, CRC, COBS.
 *
 * Header-only C99, no allocation, no floating point: the caller owns every buffer.
 * Byte layout (little-endian), see docs/protocol.md:
 *
 *   off size field
 *     0    1 version = 1
 *     1    1 kind: 1 IMU, 2 GPS, 3 HR, 4 STATUS
 *     2    2 sensor_id
 *     4    4 seq (+1 per frame, wraps)
 *     8    8 t0_us (device clock of the first sample)
 *    16    2 period_us (IMU; 0 for single-sample kinds)
 *    18    1 n_samples
 *    19    1 range (IMU: accel code low nibble, gyro code high nibble)
 *    20    . payload
 *   end-2  2 CRC-16/CCITT-FALSE over all previous bytes
 *
 * Use: in exactly one translation unit or in all (every function is static inline).
 *   uint8_t frame[TL_MAX_FRAME], wire[TL_MAX_ENCODED];
 *   size_t n = tl_encode_imu(frame, sizeof frame, &hdr, counts);
 *   size_t m = tl_cobs_encode(frame, n, wire, sizeof wire);   // ends with 0x00
 *   uart_write(wire, m);            // or one BLE notification of `frame`, n bytes
 */
#ifndef TOUCHLINE_FRAME_H
#define TOUCHLINE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define TL_VERSION 1u
#define TL_HEADER_BYTES 20u
#define TL_OVERHEAD_BYTES 22u
#define TL_MAX_FRAME 244u
#define TL_MAX_ENCODED 246u /* COBS of a 244-byte frame plus the 0x00 delimiter */
#define TL_IMU_SAMPLE_BYTES 12u
#define TL_MAX_IMU_SAMPLES 18u
#define TL_GPS_PAYLOAD_BYTES 13u
#define TL_STATUS_PAYLOAD_BYTES 5u
#define TL_MAX_RR 109u

enum tl_kind { TL_KIND_IMU = 1, TL_KIND_GPS = 2, TL_KIND_HR = 3, TL_KIND_STATUS = 4 };

/* Results of tl_decode; the names match the Python FrameError reasons. */
typedef enum {
    TL_OK = 0,
    TL_ERR_TRUNCATED,
    TL_ERR_OVERSIZED,
    TL_ERR_BAD_LENGTH,
    TL_ERR_BAD_VERSION,
    TL_ERR_UNKNOWN_KIND,
    TL_ERR_BAD_CRC,
    TL_ERR_BAD_RANGE,
    TL_ERR_BAD_VALUE
} tl_status;

static inline const char *tl_status_name(tl_status s) {
    static const char *const names[] = {"ok",          "truncated",    "oversized",
                                        "bad_length",  "bad_version",  "unknown_kind",
                                        "bad_crc",     "bad_range",    "bad_value"};
    return ((unsigned)s < sizeof names / sizeof names[0]) ? names[s] : "unknown";
}

/* IMU full-scale codes: accel ±2/4/8/16/32 g, gyro ±250/500/1000/2000/4000 deg/s. */
#define TL_ACCEL_CODES 5u
#define TL_GYRO_CODES 5u
#define TL_RANGE(accel_code, gyro_code) ((uint8_t)(((gyro_code) << 4) | (accel_code)))

typedef struct {
    uint8_t kind;
    uint16_t sensor_id;
    uint32_t seq;
    uint64_t t0_us;
    uint16_t period_us;
    uint8_t n_samples;
    uint8_t range;
} tl_header;

typedef struct {
    int32_t lat_e7, lon_e7; /* degrees x 1e7 */
    uint16_t speed_cm_s;
    uint8_t hdop_x10, sats, fix;
} tl_gps;

typedef struct {
    uint16_t bpm;
    uint8_t n_rr;
    uint16_t rr[TL_MAX_RR]; /* 1/1024 s */
} tl_hr;

typedef struct {
    uint8_t battery_pct;
    int16_t temp_x100;
    uint16_t flags;
} tl_status_payload;

typedef struct {
    tl_header header;
    union {
        int16_t imu[TL_MAX_IMU_SAMPLES][6]; /* ax ay az gx gy gz, raw counts */
        tl_gps gps;
        tl_hr hr;
        tl_status_payload status;
    } payload;
} tl_frame;

/* ---- little-endian helpers ---- */
static inline void tl_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void tl_put32(uint8_t *p, uint32_t v) {
    tl_put16(p, (uint16_t)v);
    tl_put16(p + 2, (uint16_t)(v >> 16));
}
static inline void tl_put64(uint8_t *p, uint64_t v) {
    tl_put32(p, (uint32_t)v);
    tl_put32(p + 4, (uint32_t)(v >> 32));
}
static inline uint16_t tl_get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t tl_get32(const uint8_t *p) {
    return (uint32_t)tl_get16(p) | ((uint32_t)tl_get16(p + 2) << 16);
}
static inline uint64_t tl_get64(const uint8_t *p) {
    return (uint64_t)tl_get32(p) | ((uint64_t)tl_get32(p + 4) << 32);
}

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor.
 * Bitwise, so it costs no table in flash; check value of "123456789" is 0x29B1. */
static inline uint16_t tl_crc16(const uint8_t *data, size_t len) {
    uint16_t crc = 0xFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    }
    return crc;
}

/* ---- encoding ---- */

static inline size_t tl_payload_size(const tl_header *h, const tl_frame *f) {
    switch (h->kind) {
    case TL_KIND_IMU: return (size_t)h->n_samples * TL_IMU_SAMPLE_BYTES;
    case TL_KIND_GPS: return TL_GPS_PAYLOAD_BYTES;
    case TL_KIND_HR: return 3u + 2u * (size_t)f->payload.hr.n_rr;
    case TL_KIND_STATUS: return TL_STATUS_PAYLOAD_BYTES;
    default: return 0;
    }
}

/* Encode a whole frame; returns its length, or 0 if it does not fit or is invalid. */
static inline size_t tl_encode(const tl_frame *f, uint8_t *out, size_t cap) {
    const tl_header *h = &f->header;
    if (h->kind < TL_KIND_IMU || h->kind > TL_KIND_STATUS) return 0;
    if (h->kind == TL_KIND_IMU && (h->n_samples < 1 || h->n_samples > TL_MAX_IMU_SAMPLES)) return 0;
    if (h->kind != TL_KIND_IMU && h->n_samples != 1) return 0;
    if (h->kind == TL_KIND_HR && f->payload.hr.n_rr > TL_MAX_RR) return 0;
    size_t total = TL_OVERHEAD_BYTES + tl_payload_size(h, f);
    if (total > cap || total > TL_MAX_FRAME) return 0;
    out[0] = TL_VERSION;
    out[1] = h->kind;
    tl_put16(out + 2, h->sensor_id);
    tl_put32(out + 4, h->seq);
    tl_put64(out + 8, h->t0_us);
    tl_put16(out + 16, h->period_us);
    out[18] = h->n_samples;
    out[19] = h->range;
    uint8_t *p = out + TL_HEADER_BYTES;
    switch (h->kind) {
    case TL_KIND_IMU:
        for (unsigned i = 0; i < h->n_samples; i++)
            for (unsigned a = 0; a < 6; a++, p += 2) tl_put16(p, (uint16_t)f->payload.imu[i][a]);
        break;
    case TL_KIND_GPS:
        tl_put32(p, (uint32_t)f->payload.gps.lat_e7);
        tl_put32(p + 4, (uint32_t)f->payload.gps.lon_e7);
        tl_put16(p + 8, f->payload.gps.speed_cm_s);
        p[10] = f->payload.gps.hdop_x10;
        p[11] = f->payload.gps.sats;
        p[12] = f->payload.gps.fix;
        break;
    case TL_KIND_HR:
        tl_put16(p, f->payload.hr.bpm);
        p[2] = f->payload.hr.n_rr;
        for (unsigned i = 0; i < f->payload.hr.n_rr; i++) tl_put16(p + 3 + 2 * i, f->payload.hr.rr[i]);
        break;
    default: /* TL_KIND_STATUS */
        p[0] = f->payload.status.battery_pct;
        tl_put16(p + 1, (uint16_t)f->payload.status.temp_x100);
        tl_put16(p + 3, f->payload.status.flags);
        break;
    }
    tl_put16(out + total - 2, tl_crc16(out, total - 2));
    return total;
}

/* ---- decoding: same checks, same order, same reasons as firmware_bridge.frame ---- */

static inline tl_status tl_decode(const uint8_t *buf, size_t len, tl_frame *f) {
    if (len > TL_MAX_FRAME) return TL_ERR_OVERSIZED;
    if (len < TL_OVERHEAD_BYTES) return TL_ERR_TRUNCATED;
    if (buf[0] != TL_VERSION) return TL_ERR_BAD_VERSION;
    tl_header *h = &f->header;
    h->kind = buf[1];
    if (h->kind < TL_KIND_IMU || h->kind > TL_KIND_STATUS) return TL_ERR_UNKNOWN_KIND;
    h->sensor_id = tl_get16(buf + 2);
    h->seq = tl_get32(buf + 4);
    h->t0_us = tl_get64(buf + 8);
    h->period_us = tl_get16(buf + 16);
    h->n_samples = buf[18];
    h->range = buf[19];
    size_t expected;
    if (h->kind == TL_KIND_IMU) {
        if (h->n_samples < 1 || h->n_samples > TL_MAX_IMU_SAMPLES) return TL_ERR_BAD_LENGTH;
        expected = TL_OVERHEAD_BYTES + (size_t)h->n_samples * TL_IMU_SAMPLE_BYTES;
    } else if (h->n_samples != 1) {
        return TL_ERR_BAD_LENGTH;
    } else if (h->kind == TL_KIND_GPS) {
        expected = TL_OVERHEAD_BYTES + TL_GPS_PAYLOAD_BYTES;
    } else if (h->kind == TL_KIND_STATUS) {
        expected = TL_OVERHEAD_BYTES + TL_STATUS_PAYLOAD_BYTES;
    } else {
        if (len < TL_HEADER_BYTES + 3u) return TL_ERR_TRUNCATED;
        if (buf[TL_HEADER_BYTES + 2] > TL_MAX_RR) return TL_ERR_BAD_LENGTH;
        expected = TL_OVERHEAD_BYTES + 3u + 2u * (size_t)buf[TL_HEADER_BYTES + 2];
    }
    if (len < expected) return TL_ERR_TRUNCATED;
    if (len > expected) return TL_ERR_BAD_LENGTH;
    if (tl_get16(buf + len - 2) != tl_crc16(buf, len - 2)) return TL_ERR_BAD_CRC;
    /* Every sample time must fit a signed 64-bit clock (t0 < 2^63 first, so no wrap). */
    if ((h->t0_us >> 63) ||
        ((h->t0_us + (uint64_t)h->period_us * (uint64_t)(h->n_samples - 1u)) >> 63))
        return TL_ERR_BAD_VALUE;
    const uint8_t *p = buf + TL_HEADER_BYTES;
    switch (h->kind) {
    case TL_KIND_IMU:
        if ((h->range & 0x0Fu) >= TL_ACCEL_CODES || (h->range >> 4) >= TL_GYRO_CODES)
            return TL_ERR_BAD_RANGE;
        if (h->period_us == 0) return TL_ERR_BAD_VALUE;
        for (unsigned i = 0; i < h->n_samples; i++)
            for (unsigned a = 0; a < 6; a++, p += 2) f->payload.imu[i][a] = (int16_t)tl_get16(p);
        return TL_OK;
    case TL_KIND_GPS:
        if (h->range != 0) return TL_ERR_BAD_RANGE;
        f->payload.gps.lat_e7 = (int32_t)tl_get32(p);
        f->payload.gps.lon_e7 = (int32_t)tl_get32(p + 4);
        f->payload.gps.speed_cm_s = tl_get16(p + 8);
        f->payload.gps.hdop_x10 = p[10];
        f->payload.gps.sats = p[11];
        f->payload.gps.fix = p[12];
        if (f->payload.gps.lat_e7 > 900000000 || f->payload.gps.lat_e7 < -900000000 ||
            f->payload.gps.lon_e7 > 1800000000 || f->payload.gps.lon_e7 < -1800000000 ||
            f->payload.gps.fix > 1)
            return TL_ERR_BAD_VALUE;
        return TL_OK;
    case TL_KIND_HR:
        if (h->range != 0) return TL_ERR_BAD_RANGE;
        f->payload.hr.bpm = tl_get16(p);
        f->payload.hr.n_rr = p[2];
        for (unsigned i = 0; i < f->payload.hr.n_rr; i++) f->payload.hr.rr[i] = tl_get16(p + 3 + 2 * i);
        return TL_OK;
    default: /* TL_KIND_STATUS */
        if (h->range != 0) return TL_ERR_BAD_RANGE;
        f->payload.status.battery_pct = p[0];
        f->payload.status.temp_x100 = (int16_t)tl_get16(p + 1);
        f->payload.status.flags = tl_get16(p + 3);
        if (f->payload.status.battery_pct > 100) return TL_ERR_BAD_VALUE;
        return TL_OK;
    }
}

/* ---- COBS ---- */

/* COBS-encode src into dst and append the 0x00 delimiter; returns bytes written, 0 if
 * dst is too small. dst needs len + len/254 + 2 bytes. */
static inline size_t tl_cobs_encode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap) {
    if (cap < len + len / 254u + 2u) return 0;
    size_t code_at = 0, out = 1;
    uint8_t code = 1;
    for (size_t i = 0; i < len; i++) {
        if (src[i] == 0) {
            dst[code_at] = code;
            code_at = out++;
            code = 1;
        } else {
            dst[out++] = src[i];
            if (++code == 0xFF) {
                dst[code_at] = code;
                code_at = out++;
                code = 1;
            }
        }
    }
    dst[code_at] = code;
    dst[out++] = 0x00;
    return out;
}

/* Decode one COBS packet (without its 0x00 delimiter); returns the decoded length, or
 * (size_t)-1 if the packet is not valid COBS or dst is too small. */
static inline size_t tl_cobs_decode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap) {
    size_t in = 0, out = 0;
    while (in < len) {
        uint8_t code = src[in++];
        if (code == 0) return (size_t)-1;
        for (uint8_t i = 1; i < code; i++) {
            if (in >= len || src[in] == 0 || out >= cap) return (size_t)-1;
            dst[out++] = src[in++];
        }
        if (code != 0xFF && in < len) {
            if (out >= cap) return (size_t)-1;
            dst[out++] = 0;
        }
    }
    return out;
}

#endif /* TOUCHLINE_FRAME_H */
