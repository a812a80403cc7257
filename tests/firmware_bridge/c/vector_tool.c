/*
 * Test driver for firmware_bridge/c/touchline_frame.h, run by test_c_header.py.
 *
 *   vector_tool decode FILE...    -> per file: "ok <fields...>" or the error reason
 *   vector_tool encode            -> reads "<fields...>" on stdin, prints the frame in hex
 *   vector_tool cobs FILE...      -> per file: COBS encoding (with 0x00) in hex
 *   vector_tool uncobs HEX...     -> per packet: decoded bytes in hex, or "bad_cobs"
 *
 * Fields: kind sensor_id seq t0_us period_us n_samples range, then the payload as
 * integers: IMU counts row by row; GPS lat_e7 lon_e7 speed hdop sats fix;
 * HR bpm n_rr rr...; STATUS battery temp_x100 flags.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "touchline_frame.h"

static size_t read_file(const char *path, uint8_t *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void print_hex(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
    printf("\n");
}

static void cmd_decode(const char *path) {
    uint8_t buf[1024];
    size_t n = read_file(path, buf, sizeof buf);
    tl_frame f;
    memset(&f, 0, sizeof f);
    tl_status s = tl_decode(buf, n, &f);
    if (s != TL_OK) {
        printf("%s\n", tl_status_name(s));
        return;
    }
    const tl_header *h = &f.header;
    printf("ok %u %u %" PRIu32 " %" PRIu64 " %u %u %u", h->kind, h->sensor_id, h->seq, h->t0_us,
           h->period_us, h->n_samples, h->range);
    switch (h->kind) {
    case TL_KIND_IMU:
        for (unsigned i = 0; i < h->n_samples; i++)
            for (unsigned a = 0; a < 6; a++) printf(" %d", f.payload.imu[i][a]);
        break;
    case TL_KIND_GPS:
        printf(" %" PRId32 " %" PRId32 " %u %u %u %u", f.payload.gps.lat_e7, f.payload.gps.lon_e7,
               f.payload.gps.speed_cm_s, f.payload.gps.hdop_x10, f.payload.gps.sats,
               f.payload.gps.fix);
        break;
    case TL_KIND_HR:
        printf(" %u %u", f.payload.hr.bpm, f.payload.hr.n_rr);
        for (unsigned i = 0; i < f.payload.hr.n_rr; i++) printf(" %u", f.payload.hr.rr[i]);
        break;
    default:
        printf(" %u %d %u", f.payload.status.battery_pct, f.payload.status.temp_x100,
               f.payload.status.flags);
    }
    printf("\n");
}

static int cmd_encode(void) {
    tl_frame f;
    memset(&f, 0, sizeof f);
    unsigned kind, sensor, period, n, range;
    uint32_t seq;
    uint64_t t0;
    if (scanf("%u %u %" SCNu32 " %" SCNu64 " %u %u %u", &kind, &sensor, &seq, &t0, &period, &n,
              &range) != 7)
        return 2;
    f.header.kind = (uint8_t)kind;
    f.header.sensor_id = (uint16_t)sensor;
    f.header.seq = seq;
    f.header.t0_us = t0;
    f.header.period_us = (uint16_t)period;
    f.header.n_samples = (uint8_t)n;
    f.header.range = (uint8_t)range;
    int v[6];
    switch (kind) {
    case TL_KIND_IMU:
        for (unsigned i = 0; i < n && i < TL_MAX_IMU_SAMPLES; i++) {
            for (unsigned a = 0; a < 6; a++) {
                if (scanf("%d", &v[a]) != 1) return 2;
                f.payload.imu[i][a] = (int16_t)v[a];
            }
        }
        break;
    case TL_KIND_GPS: {
        long lat, lon;
        if (scanf("%ld %ld %d %d %d %d", &lat, &lon, &v[0], &v[1], &v[2], &v[3]) != 6) return 2;
        f.payload.gps.lat_e7 = (int32_t)lat;
        f.payload.gps.lon_e7 = (int32_t)lon;
        f.payload.gps.speed_cm_s = (uint16_t)v[0];
        f.payload.gps.hdop_x10 = (uint8_t)v[1];
        f.payload.gps.sats = (uint8_t)v[2];
        f.payload.gps.fix = (uint8_t)v[3];
        break;
    }
    case TL_KIND_HR:
        if (scanf("%d %d", &v[0], &v[1]) != 2 || v[1] < 0 || v[1] > (int)TL_MAX_RR) return 2;
        f.payload.hr.bpm = (uint16_t)v[0];
        f.payload.hr.n_rr = (uint8_t)v[1];
        for (int i = 0; i < v[1]; i++) {
            if (scanf("%d", &v[2]) != 1) return 2;
            f.payload.hr.rr[i] = (uint16_t)v[2];
        }
        break;
    default:
        if (scanf("%d %d %d", &v[0], &v[1], &v[2]) != 3) return 2;
        f.payload.status.battery_pct = (uint8_t)v[0];
        f.payload.status.temp_x100 = (int16_t)v[1];
        f.payload.status.flags = (uint16_t)v[2];
    }
    uint8_t out[TL_MAX_FRAME];
    size_t len = tl_encode(&f, out, sizeof out);
    if (len == 0) {
        printf("encode_failed\n");
        return 1;
    }
    print_hex(out, len);
    return 0;
}

static int cmd_cobs(const char *path) {
    uint8_t buf[1024], out[1100];
    size_t n = read_file(path, buf, sizeof buf);
    size_t m = tl_cobs_encode(buf, n, out, sizeof out);
    if (m == 0) return 1;
    print_hex(out, m);
    return 0;
}

static int cmd_uncobs(const char *hex) {
    uint8_t src[1100], dst[1100];
    size_t n = strlen(hex) / 2;
    if (n > sizeof src) return 2;
    for (size_t i = 0; i < n; i++) {
        unsigned byte;
        if (sscanf(hex + 2 * i, "%2x", &byte) != 1) return 2;
        src[i] = (uint8_t)byte;
    }
    size_t m = tl_cobs_decode(src, n, dst, sizeof dst);
    if (m == (size_t)-1) {
        printf("bad_cobs\n");
        return 0;
    }
    print_hex(dst, m);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "decode") == 0) {
        for (int i = 2; i < argc; i++) cmd_decode(argv[i]);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "encode") == 0) return cmd_encode();
    if (argc >= 3 && strcmp(argv[1], "cobs") == 0) {
        int rc = 0;
        for (int i = 2; i < argc; i++) rc |= cmd_cobs(argv[i]);
        return rc;
    }
    if (argc >= 3 && strcmp(argv[1], "uncobs") == 0) {
        int rc = 0;
        for (int i = 2; i < argc; i++) rc |= cmd_uncobs(argv[i]);
        return rc;
    }
    if (argc >= 2 && strcmp(argv[1], "crc") == 0) {
        const char *check = "123456789";
        printf("%04x\n", tl_crc16((const uint8_t *)check, 9));
        return 0;
    }
    fprintf(stderr, "usage: vector_tool decode|encode|cobs|uncobs|crc ...\n");
    return 2;
}
