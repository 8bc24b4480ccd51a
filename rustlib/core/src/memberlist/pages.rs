//! Storage that grows by whole pages and never moves an item.
//!
//! A `Vec` that doubles copies everything it holds when it grows: at a
//! million members that is one change taking milliseconds, and up to half
//! its capacity unused. Pages grow geometrically while the store is small
//! (so a small list stays small) and then by fixed-size pages (so waste is
//! at most one page and nothing is ever copied).

/// Paged holds items of `width` `T`s each, numbered from 0, with a free
/// list so numbers of released items are used again first.
pub(crate) struct Paged<T> {
    /// base_shift: page 0 holds `1 << base_shift` items.
    base_shift: u32,
    /// cap_shift: pages grow until they hold `1 << (base_shift + cap_shift)`
    /// items; every later page holds that many.
    cap_shift: u32,
    width: usize,
    pages: Vec<Box<[T]>>,
    next: usize,
    free: Vec<u32>,
}

impl<T: Copy + Default> Paged<T> {
    pub(crate) fn new(base_shift: u32, cap_shift: u32, width: usize) -> Self {
        Paged {
            base_shift,
            cap_shift,
            width,
            pages: Vec::new(),
            next: 0,
            free: Vec::new(),
        }
    }

    /// alloc returns the number of an unused item, adding a page if needed.
    pub(crate) fn alloc(&mut self) -> u32 {
        if let Some(i) = self.free.pop() {
            return i;
        }
        let i = self.next;
        let (page, _) = self.locate(i);
        if page == self.pages.len() {
            let len = self.page_items(page) * self.width;
            self.pages.push(vec![T::default(); len].into_boxed_slice());
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

    #[inline]
    pub(crate) fn item(&self, i: u32) -> &[T] {
        let (page, off) = self.locate(i as usize);
        &self.pages[page][off * self.width..(off + 1) * self.width]
    }

    #[inline]
    pub(crate) fn item_mut(&mut self, i: u32) -> &mut [T] {
        let (page, off) = self.locate(i as usize);
        &mut self.pages[page][off * self.width..(off + 1) * self.width]
    }

    /// heap_bytes is the memory of the pages, the page table and the free list.
    pub(crate) fn heap_bytes(&self) -> usize {
        let items: usize = (0..self.pages.len()).map(|k| self.page_items(k)).sum();
        items * self.width * size_of::<T>()
            + self.pages.capacity() * size_of::<Box<[T]>>()
            + self.free.capacity() * size_of::<u32>()
    }

    fn page_items(&self, k: usize) -> usize {
        1 << (self.base_shift as usize + k.min(self.cap_shift as usize))
    }

    /// locate maps an item number to its page and its place in the page.
    #[inline]
    fn locate(&self, i: usize) -> (usize, usize) {
        let cap = self.cap_shift as usize;
        let geometric = ((1usize << cap) - 1) << self.base_shift;
        if i < geometric {
            let q = (i >> self.base_shift) + 1;
            let k = (usize::BITS - 1 - q.leading_zeros()) as usize;
            (k, i - (((1 << k) - 1) << self.base_shift))
        } else {
            let j = i - geometric;
            let shift = self.base_shift as usize + cap;
            (cap + (j >> shift), j & ((1 << shift) - 1))
        }
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
        // Pages of 4, 8, 16 items, then pages of 32.
        assert_eq!(p.pages.len(), 3 + (n as usize - 28).div_ceil(32));
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
