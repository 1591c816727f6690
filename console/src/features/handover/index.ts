export { HandoverPage } from './components/handover-page';
