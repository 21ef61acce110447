#!/usr/bin/env python3
"""Makes the Geo-IP test database the Swift tests read: Tests/Fixtures/geoip-test-city.mmdb, a
tiny MaxMind-DB-format (GeoLite2-City-shaped) file over documentation networks, and
Tests/Fixtures/geoip-test-city.expected.json, what MaxMind's own Python reader (`maxminddb`)
answers for a list of addresses. The Swift reader must answer the same.

    pip install mmdb-writer==0.2.7 maxminddb==3.2.0
    python3 scripts/make_geoip_fixture.py

The output is committed; the tests need neither package.
"""
import json
import pathlib

import maxminddb
from mmdb_writer import MMDBWriter
from netaddr import IPSet

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "geoip-test-city.mmdb"
EXPECTED = ROOT / "Tests" / "Fixtures" / "geoip-test-city.expected.json"

PLACES = [
    # (network, country, country name, city, latitude, longitude)
    ("192.0.2.0/24", "DE", "Germany", "Berlin", 52.52, 13.405),
    ("198.51.100.0/24", "US", "United States", "New York", 40.7128, -74.006),
    ("203.0.113.0/25", "AU", "Australia", "Sydney", -33.8688, 151.2093),
    ("203.0.113.128/25", "AU", "Australia", "Melbourne", -37.8136, 144.9631),
    ("100.64.0.0/10", "GB", "United Kingdom", "London", 51.5074, -0.1278),
    ("2001:db8::/32", "JP", "Japan", "Tōkyō", 35.6762, 139.6503),
]

LOOKUPS = ["192.0.2.1", "192.0.2.255", "198.51.100.77", "203.0.113.5", "203.0.113.200", "100.100.1.1",
           "2001:db8::1", "2001:db8:ffff::9", "8.8.8.8", "2001:4860::8888", "::ffff:192.0.2.9"]


def main():
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City", languages=["en"],
                        description="OpenSSPM test networks (documentation ranges only)")
    for network, iso, country, city, latitude, longitude in PLACES:
        writer.insert_network(IPSet([network]), {
            "country": {"iso_code": iso, "names": {"en": country}},
            "city": {"names": {"en": city}},
            "location": {"latitude": latitude, "longitude": longitude, "accuracy_radius": 20},
        })
    writer.to_db_file(str(OUT))
    with maxminddb.open_database(str(OUT)) as reader:
        answers = {address: reader.get(address) for address in LOOKUPS}
        metadata = reader.metadata()
    EXPECTED.write_text(json.dumps({
        "database_type": metadata.database_type, "ip_version": metadata.ip_version, "record_size": metadata.record_size,
        "node_count": metadata.node_count, "lookups": answers}, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes) and {EXPECTED.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
