import ClienteleCore
import Testing

/// The content hash of the data-set library: FIPS 180-2's example vectors, and streaming equals one pass.
@Suite struct SHA256Tests {
    @Test func publishedVectors() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func streamingMatchesOnePass() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var s = SHA256()
        var i = 0
        for n in [1, 63, 64, 65, 1000, 5000] { s.update(bytes[i..<(i + n)]); i += n }
        s.update(bytes[i...])
        #expect(s.finalizeHex() == SHA256.hex(bytes))
        // One million 'a' (FIPS 180-2, appendix B.3).
        var m = SHA256()
        for _ in 0..<1000 { m.update([UInt8](repeating: 0x61, count: 1000)) }
        #expect(m.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
