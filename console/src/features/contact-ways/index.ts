export { ContactWaysPage } from './components/contact-ways-page';
