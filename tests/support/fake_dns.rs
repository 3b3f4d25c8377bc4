//! A fake DNS server on UDP and TCP for hickory.
