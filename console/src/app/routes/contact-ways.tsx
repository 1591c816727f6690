export { ContactWaysPage as Component } from '@/features/contact-ways';
