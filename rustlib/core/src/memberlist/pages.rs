//! Storage that grows by whole pages and never moves an item once its
//! page is full.
//!
//! A `Vec` that doubles copies everything it holds when it grows: at a
//! million members that is one change taking milliseconds, and up to half
//! its capacity unused. Here the first page doubles while the store is
//! small (so a small list stays small, and the copy is at most half a
//! page) and every later page is allocated full size, so waste is at most
//! one page and nothing past the first page is ever copied. All pages but
//! a growing first one hold the same number of items, so finding an item
//! is a shift and a mask.

/// Paged holds items of `width` `T`s each, numbered from 0, with a free
/// list so numbers of released items are used again first.
pub(crate) struct Paged<T> {
    /// base_shift: the first page starts with `1 << base_shift` items.
    base_shift: u32,
    /// shift: a full page holds `1 << shift` items.
    shift: u32,
    /// mask is `(1 << shift) - 1`, kept so a look-up need not work it out.
    mask: usize,
    width: usize,
    pages: Vec<Box<[T]>>,
    next: usize,
    free: Vec<u32>,
}

impl<T: Copy + Default> Paged<T> {
    /// new makes a store whose first page starts at `1 << base_shift`
    /// items and doubles until it holds `1 << (base_shift + cap_shift)`,
    /// the size of every later page.
    pub(crate) fn new(base_shift: u32, cap_shift: u32, width: usize) -> Self {
        Paged {
            base_shift,
            shift: base_shift + cap_shift,
            mask: (1 << (base_shift + cap_shift)) - 1,
            width,
            pages: Vec::new(),
            next: 0,
            free: Vec::new(),
        }
    }

    /// alloc returns the number of an unused item, adding room if needed.
    pub(crate) fn alloc(&mut self) -> u32 {
        if let Some(i) = self.free.pop() {
            return i;
        }
        let i = self.next;
        let page = i >> self.shift;
        if page == self.pages.len() {
            let items = if page == 0 {
                1 << self.base_shift
            } else {
                1 << self.shift
            };
            self.pages
                .push(vec![T::default(); items * self.width].into_boxed_slice());
        } else if page == 0 && i * self.width == self.pages[0].len() {
            // The first page doubles: a copy of at most half a page.
            let mut grown = vec![T::default(); 2 * self.pages[0].len()];
            grown[..self.pages[0].len()].copy_from_slice(&self.pages[0]);
            self.pages[0] = grown.into_boxed_slice();
        }
        self.next += 1;
        u32::try_from(i).expect("more than 2^32 items")
    }

    /// release puts an item's number on the free list.
    pub(crate) fn release(&mut self, i: u32) {
        self.free.push(i);
    }

    /// live is how many items are allocated and not released.
    #[cfg(test)]
    pub(crate) fn live(&self) -> usize {
        self.next - self.free.len()
    }

    /// at is item `i` of a store of width 1.
    #[inline]
    pub(crate) fn at(&self, i: u32) -> &T {
        debug_assert_eq!(self.width, 1);
        let i = i as usize;
        &self.pages[i >> self.shift][i & self.mask]
    }

    /// at_mut is item `i` of a store of width 1.
    #[inline]
    pub(crate) fn at_mut(&mut self, i: u32) -> &mut T {
        debug_assert_eq!(self.width, 1);
        let i = i as usize;
        &mut self.pages[i >> self.shift][i & self.mask]
    }

    #[inline]
    pub(crate) fn item(&self, i: u32) -> &[T] {
        let (page, off) = self.locate(i);
        &self.pages[page][off..off + self.width]
    }

    #[inline]
    pub(crate) fn item_mut(&mut self, i: u32) -> &mut [T] {
        let (page, off) = self.locate(i);
        &mut self.pages[page][off..off + self.width]
    }

    /// heap_bytes is the memory of the pages, the page table and the free list.
    pub(crate) fn heap_bytes(&self) -> usize {
        let items: usize = self.pages.iter().map(|p| p.len()).sum();
        items * size_of::<T>()
            + self.pages.capacity() * size_of::<Box<[T]>>()
            + self.free.capacity() * size_of::<u32>()
    }

    /// locate maps an item number to its page and the offset of its first
    /// `T` in the page.
    #[inline]
    fn locate(&self, i: u32) -> (usize, usize) {
        let i = i as usize;
        (i >> self.shift, (i & self.mask) * self.width)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_has_its_own_place() {
        let mut p: Paged<u32> = Paged::new(2, 3, 2);
        let n = 500;
        for i in 0..n {
            assert_eq!(p.alloc(), i);
            p.item_mut(i).copy_from_slice(&[i, !i]);
        }
        for i in 0..n {
            assert_eq!(p.item(i), &[i, !i]);
        }
        // A first page of 4 items doubling to 32, then pages of 32.
        assert_eq!(p.pages.len(), (n as usize).div_ceil(32));
        assert_eq!(
            p.heap_bytes() - p.pages.capacity() * 16,
            p.pages.len() * 32 * 2 * 4
        );
    }

    #[test]
    fn released_numbers_come_back_first() {
        let mut p: Paged<u8> = Paged::new(0, 0, 1);
        let a = p.alloc();
        let b = p.alloc();
        p.release(a);
        assert_eq!(p.live(), 1);
        assert_eq!(p.alloc(), a);
        assert_eq!(p.alloc(), b + 1);
    }
}
