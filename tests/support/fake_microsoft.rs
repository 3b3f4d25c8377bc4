//! A fake of Microsoft's login endpoints over real HTTPS (see the module docs below once written).
